/**
 * Registers tf.js' gradient functions.
 *
 * `@tensorflow/tfjs-core`'s Node build (the one Deno loads) registers no gradients: the ESM
 * file that does (`dist/register_all_gradients.js`) uses extensionless imports Deno cannot
 * resolve, so `tf.grad` of a division or a conv fails with "gradient function not found".
 * The `@tensorflow/tfjs` bundle registers all of them in tf.js' global registry, which the
 * core engine shares; importing it for that side effect is the supported way.
 *
 * @module
 */
import "@tensorflow/tfjs";
