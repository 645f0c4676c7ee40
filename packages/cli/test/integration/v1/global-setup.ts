/** The real-Liqo lab (Liqo v1.2's own controllers) for the integration suite in this folder. */
import {labSetup} from '../global-setup.js'

export default labSetup('v1.2')
