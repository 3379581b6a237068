const MAPS_KEY = "{{P:gcp:gcp_api_key}}";

export function loadMap(el) {
  return fetch(`https://maps.googleapis.com/maps/api/js?key=${MAPS_KEY}&callback=init`);
}
