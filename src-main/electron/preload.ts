// The sandboxed preload: exposes window.lifeboat (exactly the contract's verbs plus subscribe) and nothing
// else; ipcRenderer itself never reaches the page. Bundled by esbuild into dist/preload/preload.js.
import { contextBridge, ipcRenderer } from 'electron';
import { buildApi } from './preload-api.ts';

contextBridge.exposeInMainWorld('lifeboat', buildApi(ipcRenderer));
