// The customer form: a business customer has a company name, a person a first and last name.
(function () {
  'use strict';
  function rowOf(id) {
    var field = document.getElementById(id);
    return field ? field.closest('.form-group') : null;
  }
  // A hidden field must not stay "required": the browser would refuse to submit
  // the form over a field the user cannot see (a person has no company name).
  function show(id, visible) {
    var row = rowOf(id);
    var field = document.getElementById(id);
    if (!row || !field) { return; }
    row.style.display = visible ? '' : 'none';
    if (field.required || field.dataset.irisRequired) {
      field.dataset.irisRequired = '1';
      field.required = visible;
    }
  }
  function sync() {
    var box = document.getElementById('is_business');
    if (!box) { return; }
    var business = box.checked;
    show('name', business);
    show('first_name', !business);
    show('last_name', !business);
  }
  document.addEventListener('DOMContentLoaded', function () {
    var box = document.getElementById('is_business');
    if (box) {
      box.addEventListener('change', sync);
      sync();
    }
  });
})();
