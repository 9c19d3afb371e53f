// The customer page's Send e-mail / Send SMS pop-ups: the SMS length counter and the
// "send at" field that only matters when "Send at a chosen date and time" is picked.
// Counts like iris_admin/messaging/sms_text.py (GSM 03.38: 160 / 153 a segment, the
// extension characters count twice; anything else: UCS-2, 70 / 67 a segment).
(function () {
  'use strict';
  var GSM_BASIC = '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?' +
    '¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';
  var GSM_EXTENSION = '^{}\\[~]|€\f';

  function smsLength(text) {
    var units = 0, gsm = true, i, ch;
    for (i = 0; i < text.length; i++) {
      ch = text.charAt(i);
      if (GSM_BASIC.indexOf(ch) >= 0) { units += 1; }
      else if (GSM_EXTENSION.indexOf(ch) >= 0) { units += 2; }
      else { gsm = false; break; }
    }
    var single = 160, multi = 153, encoding = 'GSM-7';
    if (!gsm) { units = text.length; single = 70; multi = 67; encoding = 'UCS-2'; }
    var segments = units === 0 ? 0 : (units <= single ? 1 : Math.ceil(units / multi));
    var perSegment = segments > 1 ? multi : single;
    return { units: units, segments: segments, perSegment: perSegment, encoding: encoding };
  }

  function setUpCounter(counter) {
    var textarea = document.getElementById(counter.getAttribute('data-for'));
    var maxSegments = parseInt(counter.getAttribute('data-max-segments'), 10) || 1;
    if (!textarea) { return; }
    function update() {
      var length = smsLength(textarea.value.trim());
      var left = Math.max(length.segments, 1) * length.perSegment - length.units;
      // The sentences come translated from the template, with {placeholders}.
      var text = counter.getAttribute('data-text')
        .replace('{chars}', length.units).replace('{segments}', length.segments)
        .replace('{left}', left);
      if (length.encoding === 'UCS-2') { text += ' · ' + counter.getAttribute('data-special'); }
      var tooLong = length.segments > maxSegments;
      if (tooLong) {
        text += ' · ' + counter.getAttribute('data-too-long').replace('{max}', maxSegments);
      }
      counter.textContent = text;
      counter.classList.toggle('text-danger', tooLong);
      counter.classList.toggle('text-muted', !tooLong);
    }
    textarea.addEventListener('input', update);
    update();
  }

  function setUpWhen(fieldset) {
    var sendAt = document.getElementById(fieldset.getAttribute('data-send-at'));
    var group = sendAt ? sendAt.closest('.form-group') : null;
    if (!group) { return; }
    function update() {
      var later = fieldset.querySelector('input[value="later"]');
      group.style.display = later && later.checked ? '' : 'none';
    }
    fieldset.addEventListener('change', update);
    update();
  }

  function init() {
    Array.prototype.forEach.call(document.querySelectorAll('#sms-counter'), setUpCounter);
    Array.prototype.forEach.call(document.querySelectorAll('.iris-when'), setUpWhen);
  }
  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', init);
  } else {
    init();
  }
})();
