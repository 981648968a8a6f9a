/** Maps the module `electron` to ./electron.ts for this test process. Import (dynamically) the code under test after this. */
import { register } from 'node:module';

register(new URL('./loader.mjs', import.meta.url), { data: { url: new URL('./electron.ts', import.meta.url).href } });
