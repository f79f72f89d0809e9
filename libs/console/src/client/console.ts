/**
 * The console's only script (bundled by esbuild, served from /console/assets/). Pages work without
 * it; it adds copy buttons, reads an IdP metadata file into its text field, narrows the provider
 * list to the chosen protocol, and sends the browser to the login page the moment its session ends.
 */

const POLL_MS = 1000;

function copyText(text: string, status: HTMLElement | null, fallback: () => void): void {
  const done = (message: string) => {
    if (status) status.textContent = message;
  };
  navigator.clipboard.writeText(text).then(
    () => done('Copied'),
    () => {
      // No clipboard permission (e.g. plain http on another host): select it for Ctrl+C.
      fallback();
      done('Selected: press Ctrl+C to copy');
    },
  );
}

function setUpCopyButtons(): void {
  for (const button of document.querySelectorAll<HTMLButtonElement>('button[data-copy-target]')) {
    const target = document.getElementById(button.dataset['copyTarget'] ?? '');
    if (!(target instanceof HTMLTextAreaElement || target instanceof HTMLInputElement)) continue;
    button.hidden = false;
    button.addEventListener('click', () =>
      copyText(target.value, document.getElementById(`${button.id}-status`), () => {
        target.focus();
        target.select();
      }),
    );
  }
  // Click-to-copy values shown as text (a connection's ID).
  for (const button of document.querySelectorAll<HTMLButtonElement>('button[data-copy-text]')) {
    button.addEventListener('click', () =>
      copyText(button.dataset['copyText'] ?? '', document.getElementById(`${button.id}-status`), () => {
        const range = document.createRange();
        range.selectNodeContents(button);
        getSelection()?.removeAllRanges();
        getSelection()?.addRange(range);
      }),
    );
  }
}

/** An IdP metadata file goes into the XML field the form sends (the form stays a plain urlencoded POST). */
function setUpFileFields(): void {
  for (const input of document.querySelectorAll<HTMLInputElement>('input[type=file][data-file-target]')) {
    const target = document.getElementById(input.dataset['fileTarget'] ?? '');
    if (!(target instanceof HTMLTextAreaElement)) continue;
    input.hidden = false;
    input.addEventListener('change', () => {
      const file = input.files?.[0];
      if (file) void file.text().then((text) => (target.value = text));
    });
  }
}

/** New Provider Connection: only the chosen protocol's providers are offered. */
function setUpProviderChoice(): void {
  const select = document.getElementById('idp-provider');
  const radios = document.querySelectorAll<HTMLInputElement>('input[name=protocol]');
  if (!(select instanceof HTMLSelectElement) || radios.length === 0) return;
  const narrow = () => {
    const protocol = [...radios].find((r) => r.checked)?.value;
    for (const group of select.querySelectorAll<HTMLOptGroupElement>('optgroup')) group.hidden = group.dataset['protocol'] !== protocol;
    const first = select.querySelector<HTMLOptionElement>(`optgroup[data-protocol="${protocol}"] option`);
    // Options, not values: google, microsoft_ad and custom are providers of both protocols.
    if (first && select.selectedOptions[0]?.dataset['protocol'] !== protocol) first.selected = true;
  };
  for (const radio of radios) radio.addEventListener('change', narrow);
  narrow();
}

function loginUrl(): string {
  return `/login?next=${encodeURIComponent(location.pathname + location.search)}`;
}

function watchSession(): void {
  const watch = document.getElementById('session-watch');
  const url = watch?.dataset['sessionUrl'];
  if (!url) return;
  // A form on its way (the logout form above all: its answer ends the session and moves on to the
  // provider's logout) must not be cut short by a poll that already sees the session gone.
  let leaving = false;
  document.addEventListener('submit', () => (leaving = true));
  const poll = () => {
    fetch(url, { credentials: 'same-origin', cache: 'no-store' })
      .then((res) => {
        if (res.status === 401 && !leaving) location.assign(loginUrl());
        else setTimeout(poll, POLL_MS);
      })
      // The gateway restarting is not a logout: keep asking.
      .catch(() => setTimeout(poll, POLL_MS));
  };
  setTimeout(poll, POLL_MS);
}

setUpCopyButtons();
setUpFileFields();
setUpProviderChoice();
watchSession();
