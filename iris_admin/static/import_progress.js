// The import progress page: polls the run's progress and reloads when it is done.
// Texts and the URL come from data attributes (no inline script: see the CSP).
(function () {
  'use strict';
  document.addEventListener('DOMContentLoaded', function () {
    var bar = document.getElementById('import-progress');
    var count = document.getElementById('import-count');
    if (!bar || !bar.dataset.progressUrl) { return; }
    var url = bar.dataset.progressUrl;
    var texts = {rows: bar.dataset.textRows, read: bar.dataset.textRead};
    function poll() {
      fetch(url, {credentials: 'same-origin', cache: 'no-store'}).then(function (r) { return r.json(); }).then(function (p) {
        if (p.finished) { window.location.reload(); return; }
        if (p.percent !== null) { bar.style.width = p.percent + '%'; bar.textContent = p.percent + '%'; bar.setAttribute('aria-valuenow', p.percent); }
        if (p.total) { count.textContent = texts.rows.replace('{done}', p.done).replace('{total}', p.total); }
        else if (p.done) { count.textContent = texts.read.replace('{done}', p.done); }
        setTimeout(poll, 1000);
      }).catch(function () { setTimeout(poll, 3000); });
    }
    setTimeout(poll, 500);
  });
})();
