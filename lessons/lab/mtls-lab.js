// The live lab (issue 22): the learn-mtls core, compiled to WebAssembly
// (crate lab/, built by lab/build-wasm.sh), runs a Lesson 11 handshake in
// this page. No server, no network, no dependency: plain JavaScript.
//
// Contract, for tests and instructors:
//   - the lab is the element #mtls-lab; it runs once on load and writes its
//     outcome as text into #mtls-lab-result: "accepted NAME" or
//     "refused: ERROR" (the library's own error text);
//   - the page's query string sets that run: binding=lesson11|transcript,
//     flip=MESSAGE:OFFSET[:MASK] (MESSAGE m1, m2, m3 or rec; any number,
//     comma-separated), attack=replay|misbinding|low-order|record-flip|outsider,
//     seed=64 hex digits (the run's ephemeral keys; drawn from
//     crypto.getRandomValues when absent);
//   - #mtls-lab-step names the check that refused; #mtls-lab-timing shows
//     this browser's time per handshake beside the native figure; the lab
//     sets data-state="ready" on #mtls-lab once the first run is shown.
// The query string is read by the module itself (scenario::parse_query),
// and every field name, offset and length comes from the module too
// (learn_mtls::wire::layout): this file holds no second table.
(function () {
  'use strict';

  var ROOT = typeof path_to_root === 'string' ? path_to_root : '';
  var BENCH_RUNS = 300;

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) {
      if (key === 'text') node.textContent = attrs[key];
      else if (key === 'class') node.className = attrs[key];
      else node.setAttribute(key, attrs[key]);
    });
    (children || []).forEach(function (child) {
      if (child) node.appendChild(child);
    });
    return node;
  }

  function hexBytes(hex) {
    var out = [];
    for (var i = 0; i < hex.length; i += 2) out.push(parseInt(hex.substr(i, 2), 16));
    return out;
  }

  function hex2(byte) {
    return (byte < 16 ? '0' : '') + byte.toString(16);
  }

  function randomSeed() {
    var seed = new Uint8Array(32);
    crypto.getRandomValues(seed);
    return Array.prototype.map.call(seed, hex2).join('');
  }

  // ---- The module ------------------------------------------------------

  function loadScript(src) {
    return new Promise(function (resolve, reject) {
      if (globalThis.MTLS_LAB_WASM_BASE64) return resolve();
      var script = el('script', { src: src });
      script.onload = function () { resolve(); };
      script.onerror = function () {
        reject(new Error('cannot load ' + src + ' (build the book with: cargo run -p learn-mtls-book -- build, which runs lab/build-wasm.sh)'));
      };
      document.head.appendChild(script);
    });
  }

  function Module(exports) {
    var encoder = new TextEncoder();
    var decoder = new TextDecoder();
    function put(text) {
      var bytes = encoder.encode(text);
      var at = exports.lab_input(bytes.length);
      if (!at) throw new Error('the query string is longer than the lab takes (' + bytes.length + ' bytes)');
      new Uint8Array(exports.memory.buffer, at, bytes.length).set(bytes);
    }
    function answer(len) {
      return JSON.parse(decoder.decode(new Uint8Array(exports.memory.buffer, exports.lab_output(), len)));
    }
    return {
      about: function () { put(''); return answer(exports.lab_about()); },
      run: function (query) { put(query); return answer(exports.lab_run()); },
      bench: function (count, seed) { put(seed); return exports.lab_bench(count); }
    };
  }

  function instantiate() {
    return loadScript(ROOT + 'lab/mtls-lab-wasm.js').then(function () {
      var text = atob(globalThis.MTLS_LAB_WASM_BASE64);
      var bytes = new Uint8Array(text.length);
      for (var i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
      return WebAssembly.instantiate(bytes, {});
    }).then(function (result) {
      return Module(result.instance.exports);
    });
  }

  // ---- The lab ---------------------------------------------------------

  function Lab(root, module) {
    this.root = root;
    this.module = module;
    this.about = module.about();
    this.state = { binding: 'transcript', attack: '', edits: {}, seed: '' };
    this.selected = null;
    this.build();
  }

  Lab.prototype.query = function () {
    var s = this.state;
    var flips = Object.keys(s.edits).map(function (key) {
      return key + ':' + hex2(s.edits[key]);
    });
    var parts = ['binding=' + s.binding, 'seed=' + s.seed];
    if (s.attack) parts.push('attack=' + s.attack);
    if (flips.length) parts.push('flip=' + flips.join(','));
    return parts.join('&');
  };

  Lab.prototype.build = function () {
    var self = this;
    var fallback = this.root.querySelector('.mtls-lab-fallback');
    if (fallback) fallback.hidden = true;

    this.bindingInputs = ['lesson11', 'transcript'].map(function (name) {
      var input = el('input', { type: 'radio', name: 'mtls-lab-binding', value: name, id: 'mtls-lab-binding-' + name });
      input.addEventListener('change', function () { self.state.binding = name; self.run(); });
      return input;
    });
    var bindings = el('fieldset', { class: 'mtls-lab-bindings' }, [
      el('legend', { text: 'binding' }),
      this.bindingInputs[0], el('label', { for: 'mtls-lab-binding-lesson11', text: 'lesson11 (as taught, insecure)' }),
      this.bindingInputs[1], el('label', { for: 'mtls-lab-binding-transcript', text: 'transcript (the library\'s default)' })
    ]);

    this.attackSelect = el('select', { id: 'mtls-lab-attack' }, [el('option', { value: '', text: 'no attack: alice and the server, honestly' })]
      .concat(this.about.attacks.map(function (a) { return el('option', { value: a.key, text: a.title }); })));
    this.attackSelect.addEventListener('change', function () {
      self.state.attack = self.attackSelect.value;
      self.state.edits = {};
      self.run();
    });

    var runButton = el('button', { type: 'button', id: 'mtls-lab-run', text: 'Run again' });
    runButton.addEventListener('click', function () { self.run(); });
    var resetButton = el('button', { type: 'button', id: 'mtls-lab-reset', text: 'Undo my changes' });
    resetButton.addEventListener('click', function () { self.state.edits = {}; self.selected = null; self.run(); });
    var seedButton = el('button', { type: 'button', id: 'mtls-lab-reseed', text: 'New ephemeral keys' });
    seedButton.addEventListener('click', function () { self.state.seed = randomSeed(); self.state.edits = {}; self.run(); });

    this.resultNode = el('p', { id: 'mtls-lab-result', class: 'mtls-lab-result', 'aria-live': 'polite' });
    this.stepNode = el('p', { id: 'mtls-lab-step', class: 'mtls-lab-step' });
    this.lessonNode = el('p', { id: 'mtls-lab-lesson', class: 'mtls-lab-lesson' });
    this.sessionNode = el('p', { id: 'mtls-lab-session', class: 'mtls-lab-session' });
    this.storyNode = el('ol', { id: 'mtls-lab-story', class: 'mtls-lab-story' });
    this.mapNode = el('div', { id: 'mtls-lab-map', class: 'mtls-lab-map' });
    this.editorNode = el('div', { id: 'mtls-lab-editor', class: 'mtls-lab-editor' });
    this.timingNode = el('p', { id: 'mtls-lab-timing', class: 'mtls-lab-timing', text: 'timing: measuring after the first run...' });
    var castNode = el('p', { class: 'mtls-lab-cast', text: 'DEMO KEYS, public on purpose, never use them: ' +
      this.about.cast.map(function (c) { return c.who + ' ' + c.fingerprint; }).join(', ') +
      '. The server lists alice and eve; mallory is on no list. The ephemeral keys come from a seed drawn in this page.' });

    var panel = el('div', { class: 'mtls-lab-panel' }, [
      el('div', { class: 'mtls-lab-controls' }, [bindings,
        el('span', { class: 'mtls-lab-attack' }, [
          el('label', { for: 'mtls-lab-attack', text: 'attack ' }), this.attackSelect]),
        el('div', { class: 'mtls-lab-buttons' }, [runButton, resetButton, seedButton])]),
      this.resultNode, this.stepNode, this.lessonNode, this.sessionNode,
      el('details', { class: 'mtls-lab-details', open: '' }, [el('summary', { text: 'what happened' }), this.storyNode]),
      el('p', { class: 'mtls-lab-hint', text: 'Click any byte to change it, then run again. Changed bytes are outlined.' }),
      this.editorNode, this.mapNode, this.timingNode, castNode
    ]);
    this.root.appendChild(panel);
  };

  Lab.prototype.apply = function (answer) {
    // The module read the query string; the controls follow what it ran.
    var s = this.state;
    s.binding = answer.binding;
    s.attack = answer.attack || '';
    s.seed = answer.seed;
    s.edits = {};
    (answer.edits || []).forEach(function (e) {
      var key = e.key + ':' + e.offset;
      s.edits[key] = (s.edits[key] || 0) ^ e.xor;
      if (!s.edits[key]) delete s.edits[key];
    });
  };

  Lab.prototype.run = function (initialQuery) {
    var answer = this.module.run(initialQuery !== undefined ? initialQuery : this.query());
    this.last = answer;
    if (answer.bad_query) {
      this.resultNode.textContent = answer.result;
      this.resultNode.className = 'mtls-lab-result mtls-lab-bad';
      // Run what the page can: the same seed, no query.
      this.stepNode.textContent = 'The query string was not run; showing an honest run instead.';
      var honest = this.module.run('seed=' + (this.state.seed || randomSeed()));
      this.apply(honest);
      this.render(honest, true);
      return answer;
    }
    this.apply(answer);
    this.render(answer, false);
    return answer;
  };

  Lab.prototype.render = function (answer, keepResult) {
    var self = this;
    this.bindingInputs.forEach(function (input) { input.checked = input.value === answer.binding; });
    this.attackSelect.value = answer.attack || '';
    if (!keepResult) {
      this.resultNode.textContent = answer.result;
      this.resultNode.className = 'mtls-lab-result ' + (answer.accepted ? 'mtls-lab-accepted' : 'mtls-lab-refused');
      this.stepNode.textContent = answer.step
        ? 'refused by: ' + answer.step + ' (' + answer.step_detail + ')'
        : 'every check passed';
    }
    this.lessonNode.textContent = answer.lesson ? 'Lesson 13 teaches, under --binding ' + answer.binding + ': ' + answer.lesson : '';
    this.sessionNode.textContent = answer.session ? 'session: ' + answer.session : 'no session';
    this.storyNode.textContent = '';
    answer.story.forEach(function (line) { self.storyNode.appendChild(el('li', { text: line })); });
    this.renderMap(answer);
    this.renderEditor();
  };

  Lab.prototype.renderMap = function (answer) {
    var self = this;
    this.mapNode.textContent = '';
    answer.messages.forEach(function (message) {
      var sent = hexBytes(message.sent);
      var delivered = hexBytes(message.delivered);
      var row = el('section', { class: 'mtls-lab-message', 'data-message': message.key }, [
        el('h4', { text: message.key + ': ' + message.title + ', ' + delivered.length + ' bytes, ' + message.path })
      ]);
      message.fields.forEach(function (field, index) {
        var bytes = el('div', { class: 'mtls-lab-bytes' });
        for (var i = field.offset; i < field.offset + field.len; i++) {
          var key = message.key + ':' + i;
          var changed = sent[i] !== delivered[i];
          var byte = el('button', {
            type: 'button',
            class: 'mtls-lab-byte' + (changed ? ' mtls-lab-changed' : '') + (self.selected === key ? ' mtls-lab-selected' : ''),
            'data-key': key,
            title: message.key + '[' + i + '] ' + field.name + ' byte ' + (i - field.offset) + ': ' +
              (changed ? 'sent ' + hex2(sent[i]) + ', arrived ' + hex2(delivered[i]) : hex2(delivered[i])),
            text: hex2(delivered[i])
          });
          byte.addEventListener('click', self.select.bind(self, key, sent[i], delivered[i], field.name, i - field.offset));
          bytes.appendChild(byte);
        }
        row.appendChild(el('div', { class: 'mtls-lab-field mtls-lab-f' + (index % 4) + ' mtls-lab-m-' + message.key }, [
          el('div', { class: 'mtls-lab-field-name', text: field.name + '  offset ' + field.offset + ', ' + field.len + ' bytes' }),
          bytes
        ]));
      });
      self.mapNode.appendChild(row);
    });
    var sentKeys = answer.messages.map(function (m) { return m.key; });
    ['m1', 'm2', 'm3'].forEach(function (key) {
      if (sentKeys.indexOf(key) < 0) {
        self.mapNode.appendChild(el('p', { class: 'mtls-lab-unsent', text: key + ': never sent (the run stopped before it)' }));
      }
    });
  };

  Lab.prototype.select = function (key, sent, delivered, field, index) {
    this.selected = key;
    this.selectedInfo = { key: key, sent: sent, delivered: delivered, field: field, index: index };
    var nodes = this.mapNode.querySelectorAll('.mtls-lab-selected');
    Array.prototype.forEach.call(nodes, function (n) { n.classList.remove('mtls-lab-selected'); });
    var node = this.mapNode.querySelector('[data-key="' + key + '"]');
    if (node) node.classList.add('mtls-lab-selected');
    this.renderEditor();
  };

  Lab.prototype.renderEditor = function () {
    var self = this;
    var info = this.selectedInfo;
    this.editorNode.textContent = '';
    if (!info || !this.mapNode.querySelector('[data-key="' + info.key + '"]')) {
      this.editorNode.appendChild(el('span', { text: 'No byte selected.' }));
      return;
    }
    var input = el('input', { type: 'text', maxlength: '2', size: '2', value: hex2(info.delivered), 'aria-label': 'new value in hex', id: 'mtls-lab-value' });
    var setButton = el('button', { type: 'button', text: 'Set and run' });
    var flipButton = el('button', { type: 'button', text: 'Flip its low bit and run' });
    var undoButton = el('button', { type: 'button', text: 'Undo this byte' });
    function edit(value) {
      var xor = (value ^ info.sent) & 0xff;
      if (xor) self.state.edits[info.key] = xor; else delete self.state.edits[info.key];
      self.run();
    }
    setButton.addEventListener('click', function () {
      var value = parseInt(input.value, 16);
      if (isNaN(value) || value < 0 || value > 255) { input.setCustomValidity('two hex digits'); input.reportValidity(); return; }
      edit(value);
    });
    flipButton.addEventListener('click', function () { edit(info.delivered ^ 1); });
    undoButton.addEventListener('click', function () { edit(info.sent); });
    this.editorNode.appendChild(el('span', { text: info.key + ' (' + info.field + ' byte ' + info.index + '), sent as ' + hex2(info.sent) + ': new value ' }));
    [input, setButton, flipButton, undoButton].forEach(function (n) { self.editorNode.appendChild(n); });
  };

  Lab.prototype.measure = function () {
    var seed = randomSeed();
    var started = performance.now();
    var accepted = this.module.bench(BENCH_RUNS, seed);
    var ms = (performance.now() - started) / BENCH_RUNS;
    var native = this.about.native;
    var text = 'In this browser: ' + ms.toFixed(2) + ' ms per handshake (' + Math.round(1000 / ms) +
      ' handshakes/s), measured just now over ' + BENCH_RUNS + ' honest runs of the lab (transcript binding, ' +
      'key confirmation, one echoed record; ' + accepted + ' accepted).';
    if (native) {
      text += ' Native: ' + native.time + ' for "' + native.what + '", from ' + native.source + ': ' + native.measured + '.';
    }
    this.timingNode.textContent = text;
    this.timingNode.setAttribute('data-ms-per-handshake', ms.toFixed(3));
    if (accepted !== BENCH_RUNS) console.error('mtls-lab: only ' + accepted + ' of ' + BENCH_RUNS + ' timed handshakes were accepted');
  };

  function start() {
    var root = document.getElementById('mtls-lab');
    if (!root) return;
    document.head.appendChild(el('link', { rel: 'stylesheet', href: ROOT + 'lab/mtls-lab.css' }));
    root.setAttribute('data-state', 'loading');
    instantiate().then(function (module) {
      var lab = new Lab(root, module);
      var query = window.location.search.replace(/^\?/, '');
      if (!/(^|&)seed=/.test(query)) query += (query ? '&' : '') + 'seed=' + randomSeed();
      lab.run(query);
      root.setAttribute('data-state', 'ready');
      setTimeout(function () { lab.measure(); root.setAttribute('data-timing', 'done'); }, 50);
    }).catch(function (error) {
      root.setAttribute('data-state', 'failed');
      var result = document.getElementById('mtls-lab-result') || root.appendChild(el('p', { id: 'mtls-lab-result' }));
      result.textContent = 'lab unavailable: ' + error.message;
      console.error('mtls-lab:', error);
    });
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
