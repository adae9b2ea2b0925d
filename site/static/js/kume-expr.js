/* kume-expr.js: evaluates Kume survey expressions in the browser.
 *
 * The survey compiler (src/survey/expr/) parses and type-checks expressions and ships their
 * syntax trees as JSON; this file only evaluates those trees, with exactly the rules of
 * src/survey/expr/eval.rs (tests/expr-vectors.json holds the cases both must pass).
 *
 * Loading: a classic script with no dependencies. In a browser,
 *   <script src="/js/kume-expr.js"></script>   defines globalThis.KumeExpr;
 * in Node, require('./kume-expr.js') returns the same object.
 *
 * API:
 *   KumeExpr.evaluate(ast, answers)  the value: null (blank), number, string, boolean or an
 *                                    array of choice codes. `answers` is a function id → value
 *                                    or a plain object keyed by id ("q", "q.row", "choice.code").
 *   KumeExpr.isTruthy(value)         true only for `true` (show_if, required, assert).
 *   KumeExpr.refs(ast)               the ids the tree reads, for re-evaluating on change.
 * A malformed tree (unknown node, operator or function) throws an Error.
 *
 * Syntax tree nodes: {t:"num",v}, {t:"str",v}, {t:"bool",v}, {t:"list",v:[…]}, {t:"ref",id},
 * {t:"neg",e}, {t:"not",e}, {t:"bin",op,l,r}, {t:"call",f,a:[…]}.
 */
(function (root) {
  'use strict';

  // The blank rule for every value read: empty text, an empty list and a number that is not
  // finite are blank; -0 is 0 (so that it prints as 0, as in Rust).
  function norm(v) {
    if (v === undefined || v === null || v === '') return null;
    if (typeof v === 'number') return Number.isFinite(v) ? (v === 0 ? 0 : v) : null;
    if (Array.isArray(v)) return v.length ? v.map(String) : null;
    if (typeof v === 'string' || typeof v === 'boolean') return v;
    return null;
  }

  const isNum = (v) => typeof v === 'number';
  const isText = (v) => typeof v === 'string';
  const isTruthy = (v) => v === true;

  // Rounds half away from zero on the shortest decimal form of x (the digits String(x)
  // prints, the same digits as Rust's `{:e}`), so round(1.005, 2) is 1.01 in both.
  function roundTo(x, digits) {
    if (!Number.isFinite(x)) return x;
    const m = /^(\d+)(?:\.(\d+))?(?:e([+-]\d+))?$/.exec(String(Math.abs(x)));
    const whole = m[1], frac = m[2] || '', exp = Number(m[3] || 0);
    let ds = whole + frac;
    const zeros = ds.length - ds.replace(/^0+/, '').length;
    ds = ds.slice(zeros) || '0';
    // The value is 0.d1d2d3… × 10^point.
    let point = ds === '0' ? 1 : whole.length + exp - zeros;
    const keep = point + digits;
    if (keep >= ds.length) return x;
    if (keep < 0) return 0;
    const up = ds.charCodeAt(keep) - 48 >= 5;
    const kept = ds.slice(0, keep).split('').map(Number);
    if (up) {
      let i = kept.length - 1;
      while (i >= 0 && kept[i] === 9) kept[i--] = 0;
      if (i >= 0) kept[i] += 1;
      else { kept.unshift(1); point += 1; }
    }
    const magnitude = Number((kept.join('') || '0') + 'e' + (point - kept.length));
    return x < 0 ? -magnitude : magnitude;
  }

  // Code point order, as Rust compares strings (JS `<` compares UTF-16 units).
  function cmpText(a, b) {
    let i = 0, j = 0;
    while (i < a.length && j < b.length) {
      const x = a.codePointAt(i), y = b.codePointAt(j);
      if (x !== y) return x < y ? -1 : 1;
      i += x > 0xffff ? 2 : 1;
      j += y > 0xffff ? 2 : 1;
    }
    return i < a.length ? 1 : j < b.length ? -1 : 0;
  }

  // -1, 0 or 1; null when the values cannot be ordered. Numbers compare at 9 decimals.
  function order(l, r) {
    if (isNum(l) && isNum(r)) {
      const a = roundTo(l, 9), b = roundTo(r, 9);
      return a < b ? -1 : a > b ? 1 : 0;
    }
    if (isText(l) && isText(r)) return cmpText(l, r);
    return null;
  }

  // Any comparison with blank is false (`!=` too); different kinds are unequal; true/false and
  // lists can only be equal or not.
  function compare(op, l, r) {
    if (l === null || r === null) return false;
    const o = order(l, r);
    let equal = o === 0;
    if (typeof l === 'boolean' && typeof r === 'boolean') equal = l === r;
    if (Array.isArray(l) && Array.isArray(r)) {
      equal = l.length === r.length && l.every((x, i) => x === r[i]);
    }
    switch (op) {
      case '=': return equal;
      case '!=': return !equal;
      case '<': return o !== null && o < 0;
      case '<=': return o !== null && o <= 0;
      case '>': return o !== null && o > 0;
      case '>=': return o !== null && o >= 0;
    }
    throw new Error('kume-expr: unknown operator ' + op);
  }

  const num = norm; // a number result: blank unless finite, -0 as 0

  function arithmetic(op, a, b) {
    if (!isNum(a) || !isNum(b)) return null;
    switch (op) {
      case '+': return num(a + b);
      case '-': return num(a - b);
      case '*': return num(a * b);
      case '/': return b === 0 ? null : num(a / b);
    }
  }

  // `x in [...]`: one of the items; for a multi-select, any pick is one of them.
  function member(value, list) {
    if (!list || list.t !== 'list') return false;
    const items = list.v.map(norm);
    const found = (v) => items.some((item) => compare('=', v, item));
    return Array.isArray(value) ? value.some(found) : found(value);
  }

  function has(value, code) {
    if (!isText(code)) return false;
    if (Array.isArray(value)) return value.indexOf(code) >= 0;
    return isText(value) && value === code;
  }

  const patterns = new Map();

  // Whole-text match; a pattern JS cannot compile gives false, as in Rust.
  function matches(text, pattern) {
    if (!isText(text) || !isText(pattern)) return false;
    if (!patterns.has(pattern)) {
      let re = null;
      try { re = new RegExp('^(?:' + pattern + ')$', 'u'); } catch (e) { re = null; }
      patterns.set(pattern, re);
    }
    const re = patterns.get(pattern);
    return re !== null && re.test(text);
  }

  function numbers(values) {
    return values.filter(isNum);
  }

  function aggregate(f, ns) {
    const total = ns.reduce((acc, n) => acc + n, 0);
    if (f === 'sum') return num(total);
    if (!ns.length) return null;
    if (f === 'min') return num(ns.reduce((m, n) => (n < m ? n : m)));
    if (f === 'max') return num(ns.reduce((m, n) => (n > m ? n : m)));
    return num(total / ns.length);
  }

  function round(x, digits) {
    if (!isNum(x)) return null;
    let d = 0;
    if (digits !== undefined) {
      if (!isNum(digits) || !Number.isInteger(digits) || digits < 0 || digits > 9) return null;
      d = digits;
    }
    return num(roundTo(x, d));
  }

  function call(f, args, get) {
    const arg = (i) => (i < args.length ? ev(args[i], get) : null);
    const all = () => args.map((a) => ev(a, get));
    switch (f) {
      case 'blank': return arg(0) === null;
      case 'count':
        return all().reduce((n, v) => n + (v === null ? 0 : Array.isArray(v) ? v.length : 1), 0);
      case 'sum': case 'min': case 'max': case 'avg': return aggregate(f, numbers(all()));
      case 'round': return round(arg(0), args.length > 1 ? arg(1) : undefined);
      case 'abs': { const x = arg(0); return isNum(x) ? num(Math.abs(x)) : null; }
      case 'len': {
        const x = arg(0);
        return isText(x) ? [...x].length : x === null ? 0 : null; // code points, as Rust's chars()
      }
      case 'if': return isTruthy(arg(0)) ? arg(1) : arg(2);
      case 'matches': return matches(arg(0), arg(1));
    }
    throw new Error('kume-expr: unknown function ' + f);
  }

  function binary(node, get) {
    const op = node.op;
    if (op === 'and') return isTruthy(ev(node.l, get)) && isTruthy(ev(node.r, get));
    if (op === 'or') return isTruthy(ev(node.l, get)) || isTruthy(ev(node.r, get));
    if (op === 'in') return member(ev(node.l, get), node.r);
    const l = ev(node.l, get), r = ev(node.r, get);
    if (op === 'has') return has(l, r);
    if (op === '+' || op === '-' || op === '*' || op === '/') return arithmetic(op, l, r);
    return compare(op, l, r);
  }

  function ev(node, get) {
    switch (node.t) {
      case 'num': case 'str': return norm(node.v);
      case 'bool': return node.v === true;
      case 'list': return null;
      case 'ref': return norm(get(node.id));
      case 'neg': { const x = ev(node.e, get); return isNum(x) ? num(-x) : null; }
      case 'not': return !isTruthy(ev(node.e, get));
      case 'bin': return binary(node, get);
      case 'call': return call(node.f, node.a, get);
    }
    throw new Error('kume-expr: unknown node ' + JSON.stringify(node.t));
  }

  function getter(answers) {
    if (typeof answers === 'function') return answers;
    const own = Object.prototype.hasOwnProperty;
    return (id) => (answers && own.call(answers, id) ? answers[id] : null);
  }

  function evaluate(ast, answers) {
    return ev(ast, getter(answers));
  }

  function refs(ast) {
    const out = [];
    (function walk(n) {
      if (!n || typeof n !== 'object') return;
      if (n.t === 'ref' && out.indexOf(n.id) < 0) out.push(n.id);
      [n.e, n.l, n.r].forEach(walk);
      if (n.t === 'call') n.a.forEach(walk);
    })(ast);
    return out;
  }

  const api = { evaluate, isTruthy, refs };
  if (typeof module === 'object' && module.exports) module.exports = api;
  root.KumeExpr = api;
})(typeof globalThis !== 'undefined' ? globalThis : this);
