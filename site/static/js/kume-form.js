/* Kume survey forms: the enhancements a script can add to a form that already works without
 * it. Show and hide conditional questions, compute calculated values and totals, check answers
 * in the page's language before sending, keep a draft in this browser, guard against double
 * submission and attach an idempotency key. The form's fields are read, and the answers
 * checked, by kume-rules.js with the collector's own rules (and kume-expr.js for expressions),
 * so the browser finds what the server would. No dependencies, no inline script (CSP-clean). */
(function () {
  'use strict';
  var form = document.querySelector('form.survey-form[data-survey][data-logic]');
  if (!form || !window.KumeExpr || !window.KumeRules || !window.fetch) return;
  // The survey's logic comes from its published logic.json (schema.json without the texts the
  // page shows), which the browser caches; until it arrives (or if it never does) the form
  // works as it does without a script.
  fetch(form.getAttribute('data-logic'), { credentials: 'same-origin' })
    .then(function (r) { return r.ok ? r.json() : Promise.reject(new Error(String(r.status))); })
    .then(enhance, function () { /* the plain form stays */ });

  function enhance(schema) {
  var messagesEl = document.getElementById('kume-messages');
  var survey = schema.survey;
  var messages = messagesEl ? JSON.parse(messagesEl.textContent) : {};
  var lang = form.getAttribute('data-lang') || 'tr';
  var draftKey = 'kume-draft:' + survey.id + ':' + schema.hash;
  form.classList.add('js');
  form.setAttribute('novalidate', '');

  // ---- the questions -------------------------------------------------------------------
  var questions = [];
  survey.sections.forEach(function (s) {
    s.questions.forEach(function (q) { q._section = s; questions.push(q); });
  });

  // ---- reading answers -------------------------------------------------------------------
  // A typed number, `null` when blank or unreadable (for the grid totals).
  function parseNumber(text) {
    var n = KumeRules.parseNumber(text, lang);
    return n !== null && isFinite(n) ? n : null;
  }
  function formatNumber(n) {
    if (n === null || n === undefined || typeof n !== 'number' || !isFinite(n)) return '—';
    var decimals = Math.abs(n % 1) > 1e-9 ? 2 : 0;
    try { return n.toLocaleString(lang === 'tr' ? 'tr-TR' : 'en-GB', { minimumFractionDigits: decimals, maximumFractionDigits: decimals }); }
    catch (e) { return String(n); }
  }
  function fields(name) { return form.querySelectorAll('[name="' + name.replace(/"/g, '') + '"]'); }

  // What the browser would post, read and checked as the collector reads and checks it: the
  // problems of the answers' shape (a code ticked twice) come before any other.
  function currentState() {
    var posted = {};
    new FormData(form).forEach(function (value, name) {
      if (typeof value === 'string') (posted[name] = posted[name] || []).push(value);
    });
    var read = KumeRules.readForm(survey, posted, lang);
    var state = KumeRules.evaluate(survey, read.answers);
    if (Object.keys(read.problems).length) state.errors = read.problems;
    return state;
  }

  // "If other, please specify": with a script, shown only while "other" is chosen.
  function syncOthers() {
    form.querySelectorAll('.other-specify[data-other-for]').forEach(function (box) {
      var choice = document.getElementById(box.getAttribute('data-other-for'));
      box.hidden = !!choice && !choice.checked;
    });
  }

  function applyState() {
    syncOthers();
    var state = currentState();
    survey.sections.forEach(function (s) {
      var el = document.getElementById('s-' + s.id);
      var anyShown = s.questions.some(function (q) { return !state.hidden[q.id]; });
      if (el) el.hidden = !anyShown;
    });
    questions.forEach(function (q) {
      var el = document.getElementById('q-' + q.id);
      if (el) el.hidden = !!state.hidden[q.id];
      if (q.calc) {
        var out = form.querySelector('[data-calc="' + q.id + '"]');
        var v = state.values[q.id];
        if (out) out.textContent = typeof v === 'number' ? formatNumber(v) : (v === null || v === undefined ? '—' : String(v));
      }
    });
    applyFilters(state);
    updateTotals();
    return state;
  }

  // Choices whose list `filter` is false for the current answers are hidden and cleared.
  function applyFilters(state) {
    questions.forEach(function (q) {
      if (!q.filter || !q.list) return;
      var codes = KumeRules.offered(survey, q, state.lookup).map(function (c) { return c.code; });
      (survey.lists[q.list] || []).forEach(function (c) {
        var offered = codes.indexOf(c.code) >= 0;
        form.querySelectorAll('[name="' + q.id + '"]').forEach(function (el) {
          if (el.tagName === 'SELECT') {
            Array.prototype.forEach.call(el.options, function (o) {
              if (o.value === c.code) { o.hidden = !offered; o.disabled = !offered; if (!offered && o.selected) el.value = ''; }
            });
          } else if (el.value === c.code) {
            var row = el.closest('.choice');
            if (row) row.hidden = !offered;
            if (!offered) el.checked = false;
          }
        });
      });
    });
  }

  function updateTotals() {
    form.querySelectorAll('table[data-grid]').forEach(function (table) {
      var all = 0, cols = {};
      table.querySelectorAll('tbody tr').forEach(function (tr) {
        var rowSum = 0;
        tr.querySelectorAll('input').forEach(function (input, i) {
          var n = parseNumber(input.value);
          if (n !== null) { rowSum += n; cols[i] = (cols[i] || 0) + n; all += n; }
        });
        var out = tr.querySelector('output[data-total-row]');
        if (out) out.textContent = formatNumber(rowSum);
      });
      table.querySelectorAll('output[data-total-col]').forEach(function (out) {
        out.textContent = formatNumber(cols[out.getAttribute('data-total-col')] || 0);
      });
      var total = table.querySelector('output[data-total-all]');
      if (total) total.textContent = formatNumber(all);
    });
  }

  // ---- validation --------------------------------------------------------------------------
  function message(code, params) {
    var m = messages[code] || code;
    for (var k in params || {}) m = m.replace('{' + k + '}', typeof params[k] === 'number' ? formatNumber(params[k]) : params[k]);
    return m;
  }
  function problemText(p) {
    return p.code === 'check' ? ((p.message || {})[lang] || '') : message(p.code, p.params);
  }
  function problemsAt(state, key) { return (state.errors[key] || []).map(problemText); }

  function showProblems(holder, problems) {
    var err = holder.querySelector('.field-error');
    holder.classList.toggle('has-error', problems.length > 0);
    if (err) { err.textContent = problems.join(' '); err.hidden = problems.length === 0; }
    holder.querySelectorAll('input, select, textarea').forEach(function (el) {
      if (el.closest('.question') !== holder) return;
      if (problems.length) el.setAttribute('aria-invalid', 'true'); else el.removeAttribute('aria-invalid');
    });
  }

  function firstField(holder) {
    var el = holder.querySelector('input, select, textarea');
    return el ? el.id : holder.id;
  }

  // The holders of a question's problems: its own, and those of a repeat's entries
  // (`q-<repeat>[n].<inner>`), each with the label a summary line shows.
  function holders(q) {
    var own = document.getElementById('q-' + q.id);
    if (!own) return [];
    var out = [{ el: own, key: q.id, label: q.label[lang] }];
    if (q.type === 'repeat') {
      own.querySelectorAll('.repeat-item .question').forEach(function (el) {
        var key = el.id.slice(2);
        var m = /\[(\d+)\]\.([^.\[]+)$/.exec(key);
        var inner = m && (q.questions || []).filter(function (x) { return x.id === m[2]; })[0];
        var label = q.label[lang] + (m ? ' ' + (Number(m[1]) + 1) : '') + (inner ? ' — ' + inner.label[lang] : '');
        out.push({ el: el, key: key, label: label });
      });
    }
    return out;
  }

  function validate(scope) {
    var state = applyState();
    var summary = [];
    questions.forEach(function (q) {
      if (scope && q._section !== scope) return;
      holders(q).forEach(function (h) {
        var problems = problemsAt(state, h.key);
        showProblems(h.el, problems);
        if (problems.length) summary.push({ field: firstField(h.el), label: h.label, message: problems[0] });
      });
    });
    var consent = document.getElementById('f-_consent');
    if (!scope && consent && consent.required && !consent.checked) {
      summary.unshift({ field: 'f-_consent', label: (messages.consent_title || ''), message: message('consent') });
    }
    renderSummary(summary);
    return summary.length === 0;
  }

  function renderSummary(items) {
    var box = form.querySelector('.error-summary');
    if (!items.length) { if (box) box.remove(); return; }
    if (!box) {
      box = document.createElement('div');
      box.className = 'error-summary';
      box.setAttribute('role', 'alert');
      box.setAttribute('tabindex', '-1');
      form.insertBefore(box, form.firstElementChild);
    }
    box.textContent = '';
    var h = document.createElement('h2');
    h.textContent = messages.errors_title || '';
    box.appendChild(h);
    var ul = document.createElement('ul');
    items.forEach(function (it) {
      var li = document.createElement('li');
      var a = document.createElement('a');
      a.href = '#' + it.field;
      a.textContent = it.label + ': ' + it.message;
      li.appendChild(a);
      ul.appendChild(li);
    });
    box.appendChild(ul);
    box.focus();
  }

  // ---- exclusive choices, drafts, pages, submission -----------------------------------------
  form.addEventListener('change', function (e) {
    var el = e.target;
    if (el.type === 'checkbox' && el.checked) {
      var group = fields(el.name);
      var exclusive = el.hasAttribute('data-exclusive');
      group.forEach(function (other) {
        if (other !== el && (exclusive || other.hasAttribute('data-exclusive'))) other.checked = false;
      });
    }
  });

  var saveTimer = null;
  function saveDraft() {
    try {
      var data = {};
      Array.prototype.forEach.call(form.elements, function (el) {
        if (!el.name || el.name.charAt(0) === '_' && el.name !== '_consent') return;
        if (el.type === 'radio' || el.type === 'checkbox') { if (el.checked) (data[el.name] = data[el.name] || []).push(el.value); }
        else if (el.value !== '') data[el.name] = [el.value];
      });
      localStorage.setItem(draftKey, JSON.stringify(data));
    } catch (e) { /* storage full or disabled: drafts are a convenience */ }
  }
  function restoreDraft() {
    var hasValues = Array.prototype.some.call(form.elements, function (el) {
      return el.name && el.name.charAt(0) !== '_' && (el.type === 'radio' || el.type === 'checkbox' ? el.checked : el.value !== '');
    });
    if (hasValues) return false;
    var data;
    try { data = JSON.parse(localStorage.getItem(draftKey) || 'null'); } catch (e) { data = null; }
    if (!data) return false;
    growRepeats(Object.keys(data));
    Object.keys(data).forEach(function (name) {
      fields(name).forEach(function (el) {
        if (el.type === 'radio' || el.type === 'checkbox') el.checked = data[name].indexOf(el.value) >= 0;
        else el.value = data[name][0];
      });
    });
    var note = document.createElement('p');
    note.className = 'draft-note';
    note.setAttribute('role', 'status');
    note.textContent = messages.draft_restored || '';
    form.insertBefore(note, form.firstElementChild);
    return true;
  }

  form.addEventListener('input', function () {
    applyState();
    clearTimeout(saveTimer);
    saveTimer = setTimeout(saveDraft, 300);
  });
  form.addEventListener('change', function () { applyState(); saveDraft(); });
  // A field with an error is re-checked as it is corrected, not when it loses focus: an error
  // line disappearing on blur would move the button being clicked away from the pointer.
  function recheck(e) {
    var holder = e.target.closest && e.target.closest('.question.has-error');
    if (holder) showProblems(holder, problemsAt(currentState(), holder.id.slice(2)));
  }
  form.addEventListener('input', recheck);
  form.addEventListener('change', recheck);

  var sending = false;
  form.addEventListener('submit', function (e) {
    if (sending) { e.preventDefault(); return; }
    var draft = e.submitter && e.submitter.name === '_action' && e.submitter.value === 'draft';
    if (!draft && !validate(null)) { e.preventDefault(); return; }
    var key = form.querySelector('input[name="_key"]');
    if (key && !key.value) key.value = (window.crypto && crypto.randomUUID) ? crypto.randomUUID() : String(Date.now()) + Math.random().toString(16).slice(2);
    sending = true;
    var button = form.querySelector('.form-actions button[type="submit"]');
    if (button) { button.disabled = true; button.setAttribute('aria-disabled', 'true'); }
    try { localStorage.removeItem(draftKey); } catch (err) { /* ignore */ }
  });

  // Repeats: the page holds the entries in use (or the first one); "add another" copies the
  // last entry here, numbered for the collector, instead of asking it for the form again.
  var repeats = {};
  form.querySelectorAll('fieldset.repeat').forEach(function (group) {
    var slots = group.querySelector('input[name^="_slots."]');
    var button = group.querySelector('button.repeat-add');
    if (!slots || !button) return;
    var name = slots.name.slice('_slots.'.length);
    var max = Number(button.getAttribute('data-max')) || Infinity;
    // `name[3].x` → `name[4].x` in names, `f-name-3--x` → `f-name-4--x` in ids and references.
    var field = 'f-' + name.replace(/[\[\].]/g, '-') + '-';
    function renumber(el, from, to) {
      ['name', 'id', 'for', 'aria-describedby', 'data-other-for'].forEach(function (attr) {
        var v = el.getAttribute(attr);
        if (v === null) return;
        el.setAttribute(attr, v.split(name + '[' + from + ']').join(name + '[' + to + ']')
          .split(field + from + '-').join(field + to + '-'));
      });
    }
    function add() {
      var items = group.querySelectorAll('.repeat-item');
      var n = items.length;
      if (n >= max) return null;
      var copy = items[n - 1].cloneNode(true);
      copy.setAttribute('data-repeat-item', String(n));
      var legend = copy.querySelector('legend');
      if (legend) legend.textContent = legend.textContent.replace(/\d+\s*$/, String(n + 1));
      [copy].concat(Array.prototype.slice.call(copy.querySelectorAll('*'))).forEach(function (el) {
        renumber(el, n - 1, n);
        if (el.matches('input[type="radio"], input[type="checkbox"]')) el.checked = false;
        else if (el.matches('input, textarea')) el.value = '';
        else if (el.matches('select')) el.selectedIndex = 0;
        if (el.matches('.field-error')) { el.hidden = true; el.textContent = ''; }
        if (el.matches('[aria-invalid]')) el.removeAttribute('aria-invalid');
      });
      items[n - 1].after(copy);
      slots.value = String(n + 1);
      button.hidden = n + 1 >= max;
      return copy;
    }
    repeats[name] = add;
    button.addEventListener('click', function (e) {
      e.preventDefault();
      var copy = add();
      var f = copy && copy.querySelector('input, select, textarea');
      if (f) f.focus();
      applyState();
    });
  });
  // A draft kept in this browser may hold more entries than the page shows.
  function growRepeats(names) {
    names.forEach(function (key) {
      var m = /^(.+)\[(\d+)\]\./.exec(key);
      if (!m || !repeats[m[1]]) return;
      while (form.querySelectorAll('[name^="' + m[1] + '[' + m[2] + ']."]').length === 0 && repeats[m[1]]()) { /* add */ }
    });
  }


  // One section per page with a progress line, then a page to check the answers, when the
  // survey asks for it. Sections hidden by their conditions are skipped.
  function answerText(q) {
    var holder = document.getElementById('q-' + q.id);
    if (!holder) return '';
    var parts = [];
    holder.querySelectorAll('input, select, textarea').forEach(function (el) {
      if (el.type === 'radio' || el.type === 'checkbox') {
        if (el.checked) { var l = el.labels && el.labels[0]; parts.push(l ? l.textContent.trim() : el.value); }
      } else if (el.tagName === 'SELECT') {
        if (el.value) parts.push(el.options[el.selectedIndex].textContent.trim());
      } else if (el.value) {
        var label = el.getAttribute('aria-label');
        parts.push(label ? label + ': ' + el.value : el.value);
      }
    });
    var out = holder.querySelector('output[data-calc]');
    if (out) parts.push(out.textContent.trim());
    return parts.join('; ');
  }

  if (form.hasAttribute('data-paged')) {
    var pages = survey.sections.map(function (s) { return { def: s, el: document.getElementById('s-' + s.id) }; })
      .filter(function (p) { return p.el; });
    var review = document.createElement('section');
    review.className = 'review';
    review.hidden = true;
    var current = 0;
    var nav = document.createElement('div');
    nav.className = 'page-nav';
    var prev = document.createElement('button');
    prev.type = 'button';
    prev.textContent = messages.previous || '<';
    var progress = document.createElement('p');
    progress.className = 'progress';
    progress.setAttribute('aria-live', 'polite');
    var next = document.createElement('button');
    next.type = 'button';
    next.textContent = messages.next || '>';
    nav.appendChild(prev);
    nav.appendChild(progress);
    nav.appendChild(next);
    var actions = form.querySelector('.form-actions');
    var submit = actions.querySelector('.button-primary');
    var draftButton = actions.querySelector('button[value="draft"]');
    form.insertBefore(review, actions);
    form.insertBefore(nav, actions);
    var active = function () { return pages.filter(function (p) { return !p.el.hidden; }); };
    var buildReview = function (list) {
      review.textContent = '';
      var h = document.createElement('h2');
      h.textContent = messages.review_title || '';
      h.setAttribute('tabindex', '-1');
      var intro = document.createElement('p');
      intro.textContent = messages.review_intro || '';
      review.appendChild(h);
      review.appendChild(intro);
      list.forEach(function (p, i) {
        var h3 = document.createElement('h3');
        var go = document.createElement('button');
        go.type = 'button';
        go.textContent = p.def.title[lang];
        go.addEventListener('click', function () { show(i, true); });
        h3.appendChild(go);
        review.appendChild(h3);
        var dl = document.createElement('dl');
        p.def.questions.forEach(function (q) {
          var holder = document.getElementById('q-' + q.id);
          if (!holder || holder.hidden || q.type === 'note') return;
          var dt = document.createElement('dt');
          dt.textContent = q.label[lang];
          var dd = document.createElement('dd');
          dd.textContent = answerText(q) || (messages.no_answer || '—');
          dl.appendChild(dt);
          dl.appendChild(dd);
        });
        review.appendChild(dl);
      });
      return h;
    };
    var show = function (i, focus) {
      applyState();
      var list = active();
      current = Math.max(0, Math.min(i, list.length));
      var reviewing = current === list.length;
      pages.forEach(function (p) { p.el.classList.toggle('page-off', reviewing || p !== list[current]); });
      review.hidden = !reviewing;
      progress.textContent = reviewing ? (messages.review_title || '')
        : (messages.progress || '{n}/{total}').replace('{n}', current + 1).replace('{total}', list.length);
      prev.hidden = current === 0;
      next.hidden = reviewing;
      // "Save and continue later" is offered on every page; sending for good waits for the review.
      submit.hidden = !reviewing;
      actions.hidden = !reviewing && !draftButton;
      var h = reviewing ? buildReview(list) : list[current].el.querySelector('h2');
      if (focus && h) { h.setAttribute('tabindex', '-1'); h.focus(); }
    };
    prev.addEventListener('click', function () { show(current - 1, true); });
    next.addEventListener('click', function () {
      if (validate(active()[current].def)) show(current + 1, true);
    });
    show(0, false);
  }

  restoreDraft();
  applyState();
  }
})();
