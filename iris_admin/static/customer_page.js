// The customer page: confirmation pop-ups and re-opening a pop-up that has errors.
(function ($) {
  'use strict';
  // Bootstrap's modal keeps focus inside itself, which blocks Select2's search box.
  if ($.fn.modal && $.fn.modal.Constructor) {
    $.fn.modal.Constructor.prototype._enforceFocus = function () {};
  }
  $(document).on('click', '.iris-confirm', function () {
    var $button = $(this);
    $('#confirm-form').attr('action', $button.data('action'));
    $('#confirm-message').text($button.data('message'));
    $('#modal-confirm').modal('show');
  });
  $(function () {
    var marker = document.getElementById('iris-open-modal');
    if (marker) {
      $(marker.getAttribute('data-modal')).modal('show');
    }
  });
})(jQuery);
