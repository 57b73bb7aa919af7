// Upload progress for import forms: the file goes up with XMLHttpRequest so the page can show how
// much is sent, then the server's answer replaces the page. Without JavaScript the form still works.
document.addEventListener("submit", function (ev) {
  var form = ev.target;
  if (ev.defaultPrevented || !form.matches("form[data-progress]") || !window.FormData) return;
  ev.preventDefault();
  var bar = form.querySelector("progress");
  var text = form.querySelector(".progress-text");
  var button = form.querySelector("button[type=submit]");
  bar.hidden = false; text.hidden = false; button.disabled = true;
  text.textContent = "Отправка файла…";
  var xhr = new XMLHttpRequest();
  xhr.open("POST", form.action);
  xhr.upload.onprogress = function (e) {
    if (e.lengthComputable) bar.value = Math.round(e.loaded / e.total * 100);
  };
  xhr.upload.onload = function () { bar.removeAttribute("value"); text.textContent = "Файл получен, проверяем строки…"; };
  xhr.onload = function () { document.open(); document.write(xhr.responseText); document.close(); };
  xhr.onerror = function () { button.disabled = false; text.textContent = "Связь с сервером прервалась. Попробуйте ещё раз."; };
  xhr.send(new FormData(form));
});

// Buttons that ask first: a form with data-confirm submits only when the person agrees.
// (An inline onsubmit would be refused by the Content-Security-Policy, which allows no inline script.)
document.addEventListener("submit", function (ev) {
  var form = ev.target;
  var question = form.getAttribute && form.getAttribute("data-confirm");
  if (question && !window.confirm(question)) ev.preventDefault();
}, true);

// A one-time link: selected on click, copied by its «Копировать» button.
document.addEventListener("click", function (ev) {
  var t = ev.target;
  if (t.matches && t.matches("input[data-select]")) t.select();
  var id = t.getAttribute && t.getAttribute("data-copy");
  if (id) {
    var input = document.getElementById(id);
    input.select();
    var done = function () { t.textContent = "Скопировано"; };
    if (navigator.clipboard && window.isSecureContext) navigator.clipboard.writeText(input.value).then(done, function () { document.execCommand("copy"); done(); });
    else { document.execCommand("copy"); done(); }
  }
  if (t.matches && t.matches("a[data-back]") && window.history.length > 1) {
    ev.preventDefault();
    window.history.back();
  }
});

// A year chooser that shows its choice at once; its «Показать» button does the same without JavaScript.
document.addEventListener("change", function (ev) {
  var t = ev.target;
  if (t.matches && t.matches("select[data-autosubmit]") && t.form) t.form.submit();
});

// «Печать» on a printable page.
document.addEventListener("click", function (ev) {
  var t = ev.target;
  if (t.matches && t.matches("button[data-print]")) window.print();
});
