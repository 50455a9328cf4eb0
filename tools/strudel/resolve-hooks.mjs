// @strudel/core's bundle imports named exports from @kabelsalat/web, whose package.json points Node's ESM loader at a
// CommonJS build ("main") and its ES module build only through the bundler field "module". Send Node to the ES module.
export async function resolve(specifier, context, nextResolve) {
  if (specifier === '@kabelsalat/web') {
    return nextResolve(new URL('./node_modules/@kabelsalat/web/dist/index.mjs', import.meta.url).href, context);
  }
  return nextResolve(specifier, context);
}
