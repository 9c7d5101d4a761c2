/**
 * Wire the stores together once the app is mounted: automatic runs, the recovery offer (and
 * then autosave), native menu commands, and keeping the view inside each new result.
 * No DOM here: a unit test can boot the stores against a fake LabApi.
 */
import { watch } from 'vue';
import { labApi } from './host';
import { useAppStore } from './stores/app';
import { useConfigStore } from './stores/config';
import { useSourcesStore } from './stores/sources';
import { useJobStore } from './stores/job';
import { useRunStore } from './stores/run';
import { useSessionStore } from './stores/session';
import { useViewStore } from './stores/view';

export function startLab(): () => void {
  const api = labApi();
  const app = useAppStore();
  const job = useJobStore();
  const run = useRunStore();
  const session = useSessionStore();
  const view = useViewStore();
  const sources = useSourcesStore();
  const config = useConfigStore();

  const stopClamp = watch(
    () => run.reply,
    (r) => {
      if (r) view.clampTo(r.result.heads, r.result.Tq);
    },
  );
  // padding toggled on one set of tokens means nothing for another (a session's own masks stay)
  const stopTokens = watch(
    () => sources.keyTokens,
    (next, prev) => {
      if (prev && next !== prev && JSON.stringify(next) !== JSON.stringify(prev)) config.dropAutoPadding();
    },
  );
  job.startAutoRun();
  void session.checkRecovery();
  void app.loadInfo();
  const offMenu = api.onMenuCommand((command) => void app.handleMenu(command));

  return () => {
    offMenu();
    stopClamp();
    stopTokens();
    job.stopAutoRun();
    session.stopAutosaving();
    run.dispose();
  };
}
