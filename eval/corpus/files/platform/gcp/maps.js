const MAPS_KEY = "AIza3S3t5meJ4D1JsZchfPOWWISiXVZkIckrQpG";

export function loadMap(el) {
  return fetch(`https://maps.googleapis.com/maps/api/js?key=${MAPS_KEY}&callback=init`);
}
