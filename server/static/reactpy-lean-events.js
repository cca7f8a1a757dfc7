// Appended to ReactPy's client (server/reactpy_client.py): what an event handler receives.
//
// ReactPy's own converter copies the event's target ten levels deep: the input, its form,
// every element of that form with its labels, attributes and validity, and so on. A
// keystroke in the shop's opening-hours form sent 5 MB. The handlers read the target's
// value, checked state and data attributes, the key pressed, the pointer's place: this
// sends those, a few hundred bytes.
const REC_EVENT_FIELDS = [
  "type", "key", "code", "altKey", "ctrlKey", "shiftKey", "metaKey", "repeat",
  "button", "buttons", "clientX", "clientY", "pageX", "pageY", "offsetX", "offsetY",
  "deltaX", "deltaY", "detail", "inputType", "data", "timeStamp", "isTrusted",
];
const REC_ELEMENT_FIELDS = [
  "tagName", "id", "name", "type", "value", "checked", "selectedIndex", "disabled",
];

function recLeanElement(element) {
  const lean = {};
  for (const field of REC_ELEMENT_FIELDS) {
    const value = element[field];
    if (value !== undefined && value !== null && typeof value !== "object"
        && typeof value !== "function") {
      lean[field] = value;
    }
  }
  if (element.dataset) lean.dataset = Object.assign({}, element.dataset);
  if (element.files) {
    lean.files = Array.from(element.files, (f) => ({ name: f.name, type: f.type, bytes: f.size }));
  }
  if (element.selectedOptions) {
    lean.selectedOptions = Array.from(element.selectedOptions, (o) => o.value);
  }
  if (typeof HTMLFormElement !== "undefined" && element instanceof HTMLFormElement) {
    // A form's named fields, as ReactPy's converter gives them: name -> the field.
    for (const field of Array.from(element.elements)) {
      if (field.name && !(field.name in lean)) lean[field.name] = recLeanElement(field);
    }
  }
  return lean;
}

function recLeanEvent(event) {
  const lean = {};
  for (const field of REC_EVENT_FIELDS) {
    const value = event[field];
    if (value !== undefined && value !== null && typeof value !== "object"
        && typeof value !== "function") {
      lean[field] = value;
    }
  }
  for (const field of ["target", "currentTarget", "submitter", "relatedTarget"]) {
    const element = event[field];
    if (element && typeof element === "object") lean[field] = recLeanElement(element);
  }
  return lean;
}
