// The customer form: a business customer has a company name, a person a first and last name.
(function () {
  'use strict';
  function rowOf(id) {
    var field = document.getElementById(id);
    return field ? field.closest('.form-group') : null;
  }
  function sync() {
    var box = document.getElementById('is_business');
    if (!box) { return; }
    var business = box.checked;
    var company = rowOf('name');
    if (company) { company.style.display = business ? '' : 'none'; }
    ['first_name', 'last_name'].forEach(function (id) {
      var row = rowOf(id);
      if (row) { row.style.display = business ? 'none' : ''; }
    });
  }
  document.addEventListener('DOMContentLoaded', function () {
    var box = document.getElementById('is_business');
    if (box) {
      box.addEventListener('change', sync);
      sync();
    }
  });
})();
