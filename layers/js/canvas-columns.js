// The binary columns reader of the canvas point layer: a layer's columns from the page
// (lists, code strings, base64 typed arrays) or from its points file (an ArrayBuffer
// fetched once), decoded into the arrays the drawing code reads (layers/_compact.py writes them).
// Served by the app as a file of layers/js/; tested in node from this file (tests/layers/test_canvas_parts.py).
// Loaded before canvas.js, after the parts it needs (SCRIPT_NEEDS in layers/_script.py); its
// functions are in L.CanvasPointParts.columns.
(function () {
  "use strict";
  var P = L.CanvasPointParts || (L.CanvasPointParts = {});
  if (P.columns) { return; }

  // Dictionary-coded fields keep their codes in one string, `width`
  // characters of CODE_ALPHABET per point (base 88, 0 meaning missing).
  var CODE_ALPHABET = "#$%'()*+,-./0123456789:;=?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[]^_`abcdefghijklmnopqrstuvwxyz|}~";
  var DIGIT = new Int16Array(128);
  for (var a = 0; a < CODE_ALPHABET.length; a++) { DIGIT[CODE_ALPHABET.charCodeAt(a)] = a; }

  function valueAt(field, i) {
    if (!field.levels) { return field.values[i]; }
    var w = field.width, code = 0;
    for (var j = 0; j < w; j++) {
      code = code * CODE_ALPHABET.length + DIGIT[field.codes.charCodeAt(i * w + j)];
    }
    return code === 0 ? null : field.levels[code - 1];
  }

  // A column is one number for every point, a list, or a string of codes
  // (one CODE_ALPHABET character per point).
  function column(value, i) {
    if (typeof value === "number") { return value; }
    return typeof value === "string" ? DIGIT[value.charCodeAt(i)] : value[i];
  }

  // A column of a little-endian typed array: in the page as base64 ({b64, dtype}), or in the
  // layer's points file at a byte offset ({dtype, at, len}: layers/_compact.py pack_columns).
  var DTYPES = { u1: Uint8Array, i1: Int8Array, u2: Uint16Array, i2: Int16Array, u4: Uint32Array,
                 i4: Int32Array, f4: Float32Array, f8: Float64Array };

  function decodeTyped(col, buffer) {
    if (ArrayBuffer.isView(col)) { return col; }  // decoded already (decodeColumns)
    var T = col.dtype === "q24" ? null : DTYPES[col.dtype];
    if (!T && col.dtype !== "q24") { throw new Error("unknown column type " + col.dtype); }
    var width = T ? T.BYTES_PER_ELEMENT : 3, bytes;
    if (typeof col.b64 === "string") {
      var bin = atob(col.b64);
      bytes = new Uint8Array(bin.length);
      for (var i = 0; i < bin.length; i++) { bytes[i] = bin.charCodeAt(i); }
    } else {
      if (!buffer || col.at + col.len * width > buffer.byteLength) {
        throw new Error("a column lies outside the points file");
      }
      // Offsets are multiples of 8 (pack_columns): a view, no copy.
      if (T) { return new T(buffer, col.at, col.len); }
      bytes = new Uint8Array(buffer, col.at, col.len * 3);
    }
    return T ? new T(bytes.buffer, 0, bytes.length / width) : decodeQuantised(col, bytes);
  }

  // Coordinates in 3 bytes each (layers/_compact.py quantised_column): min + q * step.
  function decodeQuantised(col, bytes) {
    var n = bytes.length / 3, out = new Float64Array(n), lo = col.min, step = col.step;
    for (var i = 0, j = 0; i < n; i++, j += 3) {
      out[i] = lo + (bytes[j] | (bytes[j + 1] << 8) | (bytes[j + 2] << 16)) * step;
    }
    return out;
  }

  function isTyped(v) {
    return v !== null && typeof v === "object" && typeof v.dtype === "string" &&
      (typeof v.b64 === "string" || typeof v.at === "number");
  }

  // The compact form of a layer (layers/_compact.py) in the arrays the drawing code reads:
  // typed columns decoded; `kind` codes expanded through their tables (colour, shape,
  // hollow, uncertainty level, category); sparse columns (only the points that differ
  // from a default) written into full ones.  `buffer` (an ArrayBuffer) holds the columns
  // of a layer whose page carries only their offsets (data.file).
  function decodeColumns(data, buffer) {
    for (var key in data) {
      if (isTyped(data[key])) { data[key] = decodeTyped(data[key], buffer); }
    }
    // A facility layer's months (data.range, timebar.js applyRange): in the page, or in its file.
    for (key in data.range || {}) {
      if (isTyped(data.range[key])) { data.range[key] = decodeTyped(data.range[key], buffer); }
    }
    var n = data.lon.length, i, j;
    if (data.kind && data.kinds) {
      for (var name in data.kinds) {
        var table = data.kinds[name], full = new Uint8Array(n);
        for (i = 0; i < n; i++) { full[i] = table[data.kind[i]]; }
        data[name] = full;
      }
    }
    if (data.pairs) {
      // Two columns, zero but at the listed points, where each takes one of a few pairs.
      var at = decodeTyped(data.pairs.index, buffer), code = decodeTyped(data.pairs.codes, buffer);
      var table = data.pairs.table;
      data.pairs.names.forEach(function (name, side) {
        var full = new Float32Array(n);
        for (j = 0; j < at.length; j++) { full[at[j]] = table[code[j]][side]; }
        data[name] = full;
      });
    }
    (data.sparse || []).forEach(function (sp) {
      var idx = decodeTyped(sp.index, buffer), values = decodeTyped(sp.values, buffer), scale = sp.scale || 1;
      var full = sp.like && data[sp.like] ? data[sp.like].slice() : new Float32Array(n);
      for (j = 0; j < idx.length; j++) { full[idx[j]] = values[j] / scale; }
      data[sp.name] = full;
    });
    return data;
  }

  // The columns of a layer whose page holds only the URL of their file (data.file: url,
  // bytes), fetched once as an ArrayBuffer and decoded into `data`.
  function fetchColumns(data) {
    return fetch(data.file.url, { credentials: "same-origin" }).then(function (r) {
      if (!r.ok) { throw new Error("HTTP " + r.status); }
      return r.arrayBuffer();
    }).then(function (buffer) {
      if (typeof data.file.bytes === "number" && buffer.byteLength !== data.file.bytes) {
        throw new Error("the file has " + buffer.byteLength + " bytes, not " + data.file.bytes);
      }
      return decodeColumns(data, buffer);
    });
  }

  P.columns = {
    CODE_ALPHABET: CODE_ALPHABET, DIGIT: DIGIT, valueAt: valueAt, column: column, DTYPES: DTYPES,
    decodeTyped: decodeTyped, decodeColumns: decodeColumns, fetchColumns: fetchColumns
  };
})();
