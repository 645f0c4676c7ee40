import {labComponentCommand} from '../../src/cli/lab-component.js'

export default labComponentCommand('stop')
