// lib/collections.js: lists of things with ids, as /state keeps them.

/** Oldest first, then by id: cards and notes. */
export const byCreated = (a, b) => (a.created_at < b.created_at ? -1 : a.created_at > b.created_at ? 1 : a.id - b.id);

export const byId = (a, b) => a.id - b.id;

/** Replace the item with the same id, or add it at the end; then sort by `order`, if given. */
export function upsert(items, item, order = null) {
  const at = items.findIndex((existing) => existing.id === item.id);
  if (at >= 0) items[at] = item;
  else items.push(item);
  if (order) items.sort(order);
}

/** Take out the item with this id, if it is there. */
export function remove(items, id) {
  const at = items.findIndex((existing) => existing.id === id);
  if (at >= 0) items.splice(at, 1);
}
