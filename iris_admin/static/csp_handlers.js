// Flask-Admin's inline event handlers (its action menu, a list row's delete button,
// "Add" of inline rows, the filter menu) arrive as data attributes instead
// (iris_admin/inline_handlers.py), because the Content-Security-Policy lets no inline
// handler run. Each one does here what its onclick did.
(function () {
  'use strict';
  document.addEventListener('click', function (event) {
    if (!event.target.closest) { return; }
    var element = event.target.closest(
      '[data-iris-onclick], [data-iris-confirm], [data-iris-action], ' +
      '[data-iris-inline-field], [data-iris-no-navigation]');
    if (!element) { return; }
    var data = element.dataset;
    if (data.irisConfirm !== undefined) {
      if (!window.confirm(data.irisConfirm)) { event.preventDefault(); }
      return;
    }
    event.preventDefault();  // "return false" and links that went to "javascript:"
    if (data.irisAction !== undefined) {
      window.modelActions.execute(data.irisAction);
    } else if (data.irisInlineField !== undefined) {
      window.faForm.addInlineField(element, data.irisInlineField);
    }
  });
})();
