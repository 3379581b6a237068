const MAPS_KEY = "AIzaD-Jp7hu06it225u8kMRd6KRhA327TSzr6QJ";

export function loadMap(el) {
  return fetch(`https://maps.googleapis.com/maps/api/js?key=${MAPS_KEY}&callback=init`);
}
