// address.js: an address (slug) field suggests itself from the title as it is typed, until the
// facilitator edits the address themselves. The server makes the same from the title when the
// event's address is left empty (server/lib/text.py `slug_of`).

export function slugOf(title, limit = 80) {
  const ascii = title.normalize("NFKD").replace(/[^\x00-\x7f]/g, "");
  const words = ascii.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "");
  return words.slice(0, limit).replace(/-+$/, "");
}

for (const field of document.querySelectorAll("[data-slug-from]")) {
  const title = document.getElementById(field.dataset.slugFrom);
  if (!title) continue;
  let suggested = field.value === "";
  field.addEventListener("input", () => (suggested = field.value === ""));
  title.addEventListener("input", () => {
    if (suggested) field.value = slugOf(title.value);
  });
}
