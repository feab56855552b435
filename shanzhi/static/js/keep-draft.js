/* A form marked data-keep-draft keeps what was typed when the reader changes the language
   (the language form reloads the page): the typed values wait in sessionStorage, for this
   address only, and fill the fields the new page left empty. Files cannot be kept. */
(function () {
  var key = 'shanzhi-draft:' + location.pathname;
  var selector = 'textarea[name], input[name][type=text], input[name][type=tel], input[name][type=email], select[name]';

  function each(fn) {
    document.querySelectorAll('form[data-keep-draft]').forEach(function (form) {
      form.querySelectorAll(selector).forEach(fn);
    });
  }

  var language = document.getElementById('language-form');
  if (language) {
    var select = language.querySelector('select');
    select.addEventListener('change', function () {
      var saved = {};
      each(function (el) { if (el.value) { saved[el.name] = el.value; } });
      try {
        if (Object.keys(saved).length) { sessionStorage.setItem(key, JSON.stringify(saved)); }
      } catch (e) { /* storage off: the language still changes */ }
      language.submit();
    });
  }

  var raw = null;
  try { raw = sessionStorage.getItem(key); sessionStorage.removeItem(key); } catch (e) { raw = null; }
  if (raw) {
    var saved = JSON.parse(raw);
    each(function (el) {
      if (!el.value && Object.prototype.hasOwnProperty.call(saved, el.name)) { el.value = saved[el.name]; }
    });
  }
})();
