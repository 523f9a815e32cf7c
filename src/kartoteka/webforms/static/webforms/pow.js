/* Proof of work for a Kartoteka web form (a form with data-pow-bits).
 *
 * Before the form is sent, find a number n such that SHA-256("<token>:<n>") starts with
 * data-pow-bits zero bits, put it into the hidden "pow" field, then send. The work runs in
 * slices so the page stays responsive; the server checks it with one hash. SHA-256 is written
 * out here because crypto.subtle is missing on pages served over plain http.
 */
(function () {
  "use strict";
  var K = [
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2
  ];
  var W = new Array(64);

  function bytesOf(text) {
    var out = [], i, c;
    for (i = 0; i < text.length; i++) {
      c = text.charCodeAt(i);
      if (c < 0x80) { out.push(c); }
      else if (c < 0x800) { out.push(0xc0 | (c >> 6), 0x80 | (c & 63)); }
      else { out.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63)); }
    }
    return out;
  }

  /* The first 32 bits of SHA-256 of the bytes (all the check needs, up to 24 bits). */
  function sha256First(bytes) {
    var h = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19];
    var length = bytes.length, data = bytes.slice(), i, j, t1, t2, a, b, c, d, e, f, g, hh, s0, s1;
    data.push(0x80);
    while (data.length % 64 !== 56) { data.push(0); }
    var bits = length * 8;
    data.push(0, 0, 0, 0, (bits >>> 24) & 255, (bits >>> 16) & 255, (bits >>> 8) & 255, bits & 255);
    for (i = 0; i < data.length; i += 64) {
      for (j = 0; j < 16; j++) {
        W[j] = (data[i + 4 * j] << 24) | (data[i + 4 * j + 1] << 16) | (data[i + 4 * j + 2] << 8) | data[i + 4 * j + 3];
      }
      for (j = 16; j < 64; j++) {
        s0 = ((W[j - 15] >>> 7) | (W[j - 15] << 25)) ^ ((W[j - 15] >>> 18) | (W[j - 15] << 14)) ^ (W[j - 15] >>> 3);
        s1 = ((W[j - 2] >>> 17) | (W[j - 2] << 15)) ^ ((W[j - 2] >>> 19) | (W[j - 2] << 13)) ^ (W[j - 2] >>> 10);
        W[j] = (W[j - 16] + s0 + W[j - 7] + s1) | 0;
      }
      a = h[0]; b = h[1]; c = h[2]; d = h[3]; e = h[4]; f = h[5]; g = h[6]; hh = h[7];
      for (j = 0; j < 64; j++) {
        s1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
        t1 = (hh + s1 + ((e & f) ^ (~e & g)) + K[j] + W[j]) | 0;
        s0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
        t2 = (s0 + ((a & b) ^ (a & c) ^ (b & c))) | 0;
        hh = g; g = f; f = e; e = (d + t1) | 0; d = c; c = b; b = a; a = (t1 + t2) | 0;
      }
      h[0] = (h[0] + a) | 0; h[1] = (h[1] + b) | 0; h[2] = (h[2] + c) | 0; h[3] = (h[3] + d) | 0;
      h[4] = (h[4] + e) | 0; h[5] = (h[5] + f) | 0; h[6] = (h[6] + g) | 0; h[7] = (h[7] + hh) | 0;
    }
    return h[0] >>> 0;
  }

  function solves(prefix, n, bits) {
    var first = sha256First(bytesOf(prefix + n));
    return bits >= 32 ? first === 0 : (first >>> (32 - bits)) === 0;
  }

  function solve(form, done) {
    var token = form.querySelector("input[name=token]").value;
    var bits = parseInt(form.getAttribute("data-pow-bits"), 10) || 0;
    var prefix = token + ":", n = 0;
    (function slice() {
      var end = n + 5000;
      for (; n < end; n++) {
        if (solves(prefix, n, bits)) { done(String(n)); return; }
      }
      setTimeout(slice, 0);
    })();
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.hasAttribute || !form.hasAttribute("data-pow-bits")) { return; }
    var answer = form.querySelector("input[name=pow]");
    if (answer.value) { return; }
    event.preventDefault();
    var button = form.querySelector("button[type=submit]");
    var status = form.querySelector("[data-pow-status]");
    if (button) { button.disabled = true; }
    if (status) { status.hidden = false; }
    solve(form, function (found) {
      answer.value = found;
      form.submit();
    });
  });
})();
