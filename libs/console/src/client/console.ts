/**
 * The console's only script (bundled by esbuild, served from /console/assets/). Pages work without
 * it; it adds copy buttons and sends the browser to the login page the moment its session ends.
 */

const POLL_MS = 1000;

function setUpCopyButtons(): void {
  for (const button of document.querySelectorAll<HTMLButtonElement>('button[data-copy-target]')) {
    const target = document.getElementById(button.dataset['copyTarget'] ?? '');
    const status = document.getElementById(`${button.id}-status`);
    if (!(target instanceof HTMLTextAreaElement)) continue;
    button.hidden = false;
    button.addEventListener('click', () => {
      const done = (text: string) => {
        if (status) status.textContent = text;
      };
      navigator.clipboard.writeText(target.value).then(
        () => done('Copied'),
        () => {
          // No clipboard permission (e.g. plain http on another host): select it for Ctrl+C.
          target.focus();
          target.select();
          done('Selected: press Ctrl+C to copy');
        },
      );
    });
  }
}

function loginUrl(): string {
  return `/login?next=${encodeURIComponent(location.pathname + location.search)}`;
}

function watchSession(): void {
  const watch = document.getElementById('session-watch');
  const url = watch?.dataset['sessionUrl'];
  if (!url) return;
  const poll = () => {
    fetch(url, { credentials: 'same-origin', cache: 'no-store' })
      .then((res) => {
        if (res.status === 401) location.assign(loginUrl());
        else setTimeout(poll, POLL_MS);
      })
      // The gateway restarting is not a logout: keep asking.
      .catch(() => setTimeout(poll, POLL_MS));
  };
  setTimeout(poll, POLL_MS);
}

setUpCopyButtons();
watchSession();
