// A ✔ links to the printed line of its check, inside a folded <details> under
// the paragraph: open the details so the line can be shown, whatever the
// browser does with fragments inside closed details.
function openCheck(hash) {
  const target = hash && document.getElementById(decodeURIComponent(hash.slice(1)));
  const details = target && target.closest("details");
  if (details) details.open = true;
}
document.addEventListener("click", (event) => {
  const mark = event.target.closest("a.claim-mark");
  if (mark) openCheck(mark.getAttribute("href"));
});
window.addEventListener("hashchange", () => openCheck(location.hash));
openCheck(location.hash);
