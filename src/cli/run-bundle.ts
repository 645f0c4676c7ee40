// Bundle entry: run the CLI from dist/bundle.
import {main} from './main.js'

await main(new URL('.', import.meta.url), new URL('../../', import.meta.url))
