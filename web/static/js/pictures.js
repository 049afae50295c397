// pictures.js: pictures picked in the composer, each with a description, waiting to be uploaded
// once the entry they belong to is saved. The server checks and cleans them again; these checks
// only save a wasted upload on venue Wi-Fi.

const TYPES = ["image/png", "image/jpeg", "image/webp", "image/gif"];

export class Pictures {
  /**
   * @param {HTMLElement} list  the <ul> the staged pictures are shown in
   * @param {{input: HTMLInputElement, maxBytes: number, onError: (error: Error) => void}} o
   */
  constructor(list, o) {
    this.list = list;
    this.o = o;
    this.items = [];
    o.input.addEventListener("change", () => this.pick());
    list.addEventListener("input", (event) => {
      const item = this.items[Number(event.target.dataset.index)];
      if (!item) return;
      if (event.target.type === "checkbox") item.decorative = event.target.checked;
      else item.alt = event.target.value;
    });
    list.addEventListener("click", (event) => {
      const button = event.target.closest("[data-unstage]");
      if (!button) return;
      this.items.splice(Number(button.dataset.unstage), 1);
      this.render();
    });
  }

  pick() {
    const { input, maxBytes, onError } = this.o;
    for (const file of input.files) {
      if (!TYPES.includes(file.type)) {
        onError(new Error(`${file.name} is not a PNG, JPEG, WebP or GIF picture.`));
      } else if (file.size > maxBytes) {
        onError(new Error(`${file.name} is larger than ${Math.floor(maxBytes / 1048576)} MB.`));
      } else {
        this.add(file);
      }
    }
    input.value = "";
  }

  /** Thumbnails are data: URLs, which the page's CSP allows for images (blob: it does not). */
  add(file) {
    const item = { file, alt: "", decorative: false, url: "" };
    this.items.push(item);
    this.render();
    const reader = new FileReader();
    reader.onload = () => {
      item.url = reader.result;
      this.list.querySelector(`img[data-index="${this.items.indexOf(item)}"]`)?.setAttribute("src", item.url);
    };
    reader.readAsDataURL(file);
  }

  /**
   * The first picture with neither a description nor "decorative" ticked, focused with a
   * message saying so; null when every picture says what it shows (or that it needs nothing).
   */
  undescribed() {
    const index = this.items.findIndex((item) => !item.alt.trim() && !item.decorative);
    if (index < 0) return null;
    this.list.querySelector(`#c-alt-${index}`)?.focus();
    return new Error(
      `Describe picture ${index + 1} for people who cannot see it, or tick "Decorative" if it shows nothing they need.`,
    );
  }

  /** Send each picture with `send(formData)`; one that fails stays staged, to try again. */
  async upload(send) {
    while (this.items.length) {
      const item = this.items[0];
      const form = new FormData();
      form.append("file", item.file);
      form.append("alt", item.alt);
      if (item.decorative) form.append("decorative", "true");
      await send(form);
      this.items.shift();
      this.render();
    }
  }

  render() {
    this.list.replaceChildren(...this.items.map((item, index) => this.row(item, index)));
  }

  row(item, index) {
    const make = (tag, props) => Object.assign(document.createElement(tag), props);
    const img = make("img", { alt: "" });
    img.dataset.index = String(index);
    if (item.url) img.src = item.url;
    const label = make("label", {
      htmlFor: `c-alt-${index}`,
      textContent: `Describe picture ${index + 1} for people who cannot see it`,
    });
    const alt = make("input", { id: `c-alt-${index}`, maxLength: 200, value: item.alt });
    alt.dataset.index = String(index);
    const remove = make("button", {
      type: "button",
      className: "link-button",
      textContent: `Remove picture ${index + 1}`,
    });
    remove.dataset.unstage = String(index);
    const decorative = make("input", { type: "checkbox", id: `c-deco-${index}`, checked: item.decorative });
    decorative.dataset.index = String(index);
    const choice = make("label", {
      className: "check",
      htmlFor: `c-deco-${index}`,
      textContent: " Decorative: it shows nothing a reader needs",
    });
    choice.prepend(decorative);
    const field = make("div", { className: "field" });
    field.append(label, alt, choice, remove);
    const li = make("li", {});
    li.append(img, field);
    return li;
  }
}
