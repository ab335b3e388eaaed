import { createApp } from 'vue';
import { createPinia } from 'pinia';
import App from './App.vue';
import { useErrors } from './stores/errors';

const pinia = createPinia();
const app = createApp(App).use(pinia);
/**
 * An error no handler caught (a button's call whose promise was refused, a component's fault) is said in the window, as
 * every expected one is: before 0.38 only the console heard it, and what the user did seemed to do nothing.
 */
const unexpected = (err: unknown) => useErrors(pinia).report(new Error(
  `${err instanceof Error ? err.message : String(err)} (an unexpected error: what you were doing may not have finished; try it again)`));
app.config.errorHandler = unexpected;
window.addEventListener('unhandledrejection', (e) => unexpected(e.reason));
app.mount('#app');
