// Upload progress for import forms: the file goes up with XMLHttpRequest so the page can show how
// much is sent, then the server's answer replaces the page. Without JavaScript the form still works.
document.addEventListener("submit", function (ev) {
  var form = ev.target;
  if (!form.matches("form[data-progress]") || !window.FormData) return;
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
