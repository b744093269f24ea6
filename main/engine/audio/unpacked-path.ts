/**
 * Native programs and model files cannot be executed or mmapped from inside an asar archive: electron-builder
 * copies them to `app.asar.unpacked`, but `require.resolve` still reports the path inside `app.asar`.
 */
export function toAsarUnpacked(path: string): string {
  return path.replace(/([\\/])app\.asar(?=[\\/])/g, '$1app.asar.unpacked');
}
