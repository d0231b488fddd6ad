// The front page's "send and receive in this browser" (FrontPage inlines this file and allows it
// by its SHA-256 in the Content-Security-Policy). Same origin only: the Data API of this relay,
// found relative to the page, so it also works behind a reverse proxy with a path prefix.
//
// Sending uses XMLHttpRequest, not fetch: fetch reports no upload progress, and Chromium streams
// a request body only over HTTP/2, which the relay's data path does not speak. A browser does not
// read a PUT's response while it uploads, so the control lines ([STATE:CONNECTED] ...) are shown
// at the end, with the upload's progress before them.
// Receiving reads the response with a stream reader to show progress, then saves it with a
// download link; the whole stream is held in the browser's memory until then, so this page is
// for files, and the command line for streams of any size.
'use strict';
(function () {
  const $ = (id) => document.getElementById(id);
  const progress = $('progress');
  const status = $('status');
  const control = $('control');

  function say(text) {
    status.textContent = text;
  }

  function show(done, total) {
    progress.max = total > 0 ? total : 1;
    progress.value = total > 0 ? done : 0;
    say((total > 0 ? Math.floor(100 * done / total) + ' %, ' : '') + done + ' bytes');
  }

  function target() {
    const path = $('path').value.trim();
    if (!/^(\/[a-z0-9._-]+)+$/.test(path)) {
      say('a stream path is /segment[/segment...] of a-z 0-9 . _ -');
      return null;
    }
    return { path: path, url: new URL('data' + path, document.baseURI).href };
  }

  function auth() {
    const field = $('token');
    return field && field.value.trim() ? 'Bearer ' + field.value.trim() : null;
  }

  function busy(on) {
    $('send').disabled = on;
    $('receive').disabled = on;
  }

  $('send').addEventListener('click', function () {
    const t = target();
    const file = $('file').files[0];
    if (!t) {
      return;
    }
    if (!file) {
      say('pick a file to send first');
      return;
    }
    busy(true);
    control.textContent = '';
    const xhr = new XMLHttpRequest();
    xhr.open('PUT', t.url);
    if (auth()) {
      xhr.setRequestHeader('Authorization', auth());
    }
    // The relay hands this to the consumer: the receiving page (or curl -OJ) saves under this name.
    xhr.setRequestHeader('Content-Disposition', "attachment; filename*=UTF-8''" + encodeURIComponent(file.name));
    xhr.upload.addEventListener('progress', function (e) {
      show(e.loaded, e.lengthComputable ? e.total : file.size);
    });
    xhr.addEventListener('load', function () {
      busy(false);
      control.textContent = xhr.responseText;
      const ok = xhr.status === 200 && xhr.responseText.indexOf('[STATE:TRANSFER_SUCCESSFUL]') >= 0;
      say(ok ? 'sent ' + file.size + ' bytes to ' + t.path : 'not sent: HTTP ' + xhr.status);
    });
    xhr.addEventListener('error', function () {
      busy(false);
      say('not sent: the connection failed');
    });
    say('waiting for a reader on ' + t.path + '...');
    xhr.send(file);
  });

  $('receive').addEventListener('click', async function () {
    const t = target();
    if (!t) {
      return;
    }
    busy(true);
    control.textContent = '';
    say('waiting for a writer on ' + t.path + '...');
    try {
      const headers = {};
      if (auth()) {
        headers.Authorization = auth();
      }
      const res = await fetch(t.url, { headers: headers, cache: 'no-store' });
      if (!res.ok) {
        say('not received: HTTP ' + res.status + ' ' + (await res.text()).trim());
        return;
      }
      const total = Number(res.headers.get('Content-Length')) || 0;
      const reader = res.body.getReader();
      const parts = [];
      let received = 0;
      for (;;) {
        const r = await reader.read(); // rejects if the stream is cut: nothing is saved then
        if (r.done) {
          break;
        }
        parts.push(r.value);
        received += r.value.length;
        show(received, total);
      }
      const named = /filename\*=UTF-8''([^;]+)/i.exec(res.headers.get('Content-Disposition') || '');
      const name = $('saveas').value.trim() || (named ? decodeURIComponent(named[1]) : t.path.split('/').pop());
      const blob = new Blob(parts, { type: res.headers.get('Content-Type') || 'application/octet-stream' });
      const link = document.createElement('a');
      link.href = URL.createObjectURL(blob);
      link.download = name;
      document.body.appendChild(link);
      link.click();
      link.remove();
      setTimeout(function () { URL.revokeObjectURL(link.href); }, 60000);
      say('received ' + received + ' bytes from ' + t.path + ', saved as ' + name);
    } catch (e) {
      say('not received: the stream was cut (' + e.message + '); nothing saved');
    } finally {
      busy(false);
    }
  });
})();
