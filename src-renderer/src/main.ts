/**
 * The renderer's entry: find the LabApi (window.qklab), then mount the app. The preload
 * installs it before any script runs; a test harness may install it a moment later, so
 * the page waits up to HOST_WAIT_MS (or for a `qklab-ready` event on window). Without a
 * host the page says so in words instead of showing a broken UI.
 */
import { createApp } from 'vue';
import { createPinia } from 'pinia';
import App from './App.vue';
import { connectHost, showFatal } from './host';
import './styles.css';

const HOST_WAIT_MS = 3000;

function waitForHost(): Promise<void> {
  return new Promise((resolve) => {
    if (window.qklab) return resolve();
    const started = Date.now();
    const done = () => {
      window.removeEventListener('qklab-ready', done);
      clearInterval(timer);
      resolve();
    };
    const timer = setInterval(() => {
      if (window.qklab || Date.now() - started > HOST_WAIT_MS) done();
    }, 25);
    window.addEventListener('qklab-ready', done);
  });
}

const root = document.getElementById('app')!;
void waitForHost().then(() => {
  try {
    connectHost();
    createApp(App).use(createPinia()).mount(root);
  } catch (e) {
    showFatal(root, e);
  }
});
