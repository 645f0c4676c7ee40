import {labComponentCommand} from '../cli/lab-component.js'

export default labComponentCommand('stop')
