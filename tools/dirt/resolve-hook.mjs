// @strudel/core 1.2.6 imports { SalatRepl } from '@kabelsalat/web', whose "main" (dist/index.js) node cannot read
// named exports from; its ES module build (dist/index.mjs, the package's "module" field) has them.
export async function resolve(specifier, context, next) {
  if (specifier === '@kabelsalat/web') {
    return next(new URL('./node_modules/@kabelsalat/web/dist/index.mjs', import.meta.url).href, context);
  }
  return next(specifier, context);
}
