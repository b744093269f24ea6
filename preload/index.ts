/**
 * Preload (sandboxed; built to one CommonJS file, out/preload/index.cjs, since sandboxed preloads can only
 * require('electron') and cannot load ES modules). Exposes exactly one frozen object: window.api.
 */
import { contextBridge, ipcRenderer, webUtils } from 'electron';
import { API_KEY } from '@common/ipc-channels';
import { createRendererApi } from './api';
import { forwardRecordingPorts, type PortWindow } from './recording-port';

contextBridge.exposeInMainWorld(API_KEY, createRendererApi(ipcRenderer, webUtils));
// Recordings hand their audio MessagePort to main through here (no window in the Node unit test of this file).
const win = (globalThis as { window?: PortWindow }).window;
if (win) forwardRecordingPorts(win, ipcRenderer);
