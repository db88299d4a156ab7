/* The segment rule editor: draws the rule tree (groups of conditions) as form controls and writes it
 * back as JSON into the form's "rules" textarea on every change, then fires "rules-changed" on the form,
 * which htmx turns into a (debounced) live count. The server validates; this only builds the JSON.
 * Groups: all / any / none (none = {"not": {"any": [...]}}). See docs/marketing-segments.md. */
(function () {
  "use strict";

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "text") node.textContent = attrs[k];
      else if (k === "class") node.className = attrs[k];
      else if (k.slice(0, 2) === "on") node.addEventListener(k.slice(2), attrs[k]);
      else if (attrs[k] !== null && attrs[k] !== undefined && attrs[k] !== false) node.setAttribute(k, attrs[k]);
    });
    (children || []).forEach(function (c) { if (c) node.appendChild(typeof c === "string" ? document.createTextNode(c) : c); });
    return node;
  }

  function options(select, pairs, selected, blank) {
    if (blank !== undefined) select.appendChild(el("option", { value: "", text: blank }));
    var chosen = [].concat(selected === undefined || selected === null ? [] : selected).map(String);
    pairs.forEach(function (p) {
      var o = el("option", { value: p[0], text: p[1] });
      if (chosen.indexOf(String(p[0])) >= 0) o.selected = true;
      select.appendChild(o);
    });
    return select;
  }

  function init(root) {
    var form = root.closest("form");
    var textarea = form.querySelector("textarea[name=rules]");
    var meta = JSON.parse(document.getElementById("segment-meta").textContent);
    var T = meta.labels;
    var readonly = root.dataset.readonly === "true";
    var attrIndex = {};
    meta.person.concat(meta.organization).forEach(function (a) { attrIndex[a.name] = a; });
    var uid = 0;

    function datalist(id, values) {
      if (document.getElementById(id)) return;
      var dl = el("datalist", { id: id });
      values.forEach(function (v) { dl.appendChild(el("option", { value: v })); });
      document.body.appendChild(dl);
    }
    datalist("seg-topics", meta.topics);
    datalist("seg-products", meta.products);
    datalist("seg-campaigns", meta.campaigns);

    // --- model <-> rule JSON -------------------------------------------------------------------
    function fromRule(node) {
      if (node && Array.isArray(node.all)) return { group: "all", children: node.all.map(fromRule) };
      if (node && Array.isArray(node.any)) return { group: "any", children: node.any.map(fromRule) };
      if (node && node.not) {
        if (Array.isArray(node.not.any)) return { group: "none", children: node.not.any.map(fromRule) };
        return { group: "none", children: [fromRule(node.not)] };
      }
      return { cond: node || {} };
    }
    function toRule(m) {
      if (m.group === "all") return { all: m.children.map(toRule) };
      if (m.group === "any") return { any: m.children.map(toRule) };
      if (m.group === "none") return { not: { any: m.children.map(toRule) } };
      return m.cond;
    }
    function parse(text) {
      var rules = JSON.parse(text && text.trim() ? text : "{}");
      var m = fromRule(rules);
      if (!m.group) m = { group: "all", children: Object.keys(m.cond).length ? [m] : [] };
      return m;
    }

    var model;
    try { model = parse(textarea.value); } catch (e) { model = null; }

    function changed() {
      textarea.value = JSON.stringify(toRule(model));
      form.dispatchEvent(new CustomEvent("rules-changed", { bubbles: true }));
    }

    function kindOf(cond) {
      if ("attr" in cond) return "attr";
      if ("event" in cond) return "campaign";
      return "behaviour";
    }
    function fresh(kind) {
      if (kind === "attr") return { attr: "lifecycle_stage", op: "eq", value: "customer" };
      if (kind === "campaign") return { campaign: meta.campaigns[0] || "", event: "opened", did: true };
      return { did: true, kind: "content_read", at_least: 1, days: 90 };
    }

    // --- drawing ----------------------------------------------------------------------------
    function numberInput(cond, key, label, cls, placeholder) {
      return el("label", { class: "inline " + (cls || "") }, [label + " ",
        el("input", { type: "number", min: "1", step: "1", "data-key": key,
          value: cond[key] === undefined || cond[key] === null ? "" : cond[key],  // a bad 0 stays in sight
          placeholder: placeholder || null,
          disabled: readonly, "aria-label": label,
          oninput: function (ev) {
            var v = ev.target.value.trim();
            if (v === "") delete cond[key]; else cond[key] = Number(v);
            changed();
          } })]);
    }
    function textInput(cond, key, label, list) {
      return el("input", { type: "text", value: cond[key] || "", placeholder: label, "aria-label": label,
        list: list || null, "data-key": key, disabled: readonly,
        oninput: function (ev) { cond[key] = ev.target.value; changed(); } });
    }
    function didSelect(cond) {
      return options(el("select", { "aria-label": T.did, "data-key": "did", disabled: readonly,
        onchange: function (ev) { cond.did = ev.target.value === "true"; changed(); } }),
        [["true", T.did], ["false", T.did_not]], String(cond.did !== false));
    }

    // "is one of" / "is none of": every choice a checkbox chip, so what is chosen is always in sight
    // (a multi-select hides chosen values below its scroll and loses them to a stray click).
    function chips(cond, pairs, numeric) {
      var chosen = [].concat(cond.value === undefined || cond.value === null ? [] : cond.value).map(String);
      var box = el("span", { class: "rule-chips", role: "group", "aria-label": T.value, "data-key": "value" });
      pairs.forEach(function (p) {
        var on = chosen.indexOf(String(p[0])) >= 0;
        var input = el("input", { type: "checkbox", value: p[0], checked: on || null, disabled: readonly,
          onchange: function () {
            label.classList.toggle("on", input.checked);
            cond.value = [].slice.call(box.querySelectorAll("input:checked")).map(function (i) {
              return numeric ? Number(i.value) : i.value;
            });
            changed();
          } });
        var label = el("label", { class: "rule-chip" + (on ? " on" : ""), "data-value": p[0] }, [input, " " + p[1]]);
        box.appendChild(label);
      });
      return box;
    }

    function attrControls(cond, redraw) {
      var custom = /^(organization\.)?custom\./.test(cond.attr || "");
      var attr = attrIndex[cond.attr] || (custom ? { type: "text", choices: [] } : meta.person[0]);
      var pick = el("select", { "aria-label": T.attribute, "data-key": "attr", disabled: readonly,
        onchange: function (ev) {
          var name = ev.target.value;
          if (name === "custom.") name = "custom.";
          if (name === "organization.custom.") name = "organization.custom.";
          var a = attrIndex[name] || { type: "text", choices: [] };
          cond.attr = name; cond.op = meta.ops[a.type][0][0];
          cond.value = a.type === "consent" ? [meta.purposes[0]] : (a.choices.length ? a.choices[0][0] : "");
          if (a.type === "ref") cond.value = (name.indexOf("team") >= 0 ? meta.teams : meta.users)[0][0];
          redraw(); changed();
        } });
      var person = el("optgroup", { label: T.person }), org = el("optgroup", { label: T.organisation });
      var current = custom ? cond.attr.replace(/custom\..*$/, "custom.") : cond.attr;
      options(person, meta.person.map(function (a) { return [a.name, a.label]; }).concat([["custom.", T.custom_field]]), current);
      options(org, meta.organization.map(function (a) { return [a.name, a.label]; })
        .concat([["organization.custom.", T.custom_field]]), current);
      pick.appendChild(person); pick.appendChild(org);
      var parts = [pick];
      if (custom) {
        parts.push(el("input", { type: "text", placeholder: T.custom_key, "aria-label": T.custom_key,
          value: cond.attr.replace(/^(organization\.)?custom\./, ""), disabled: readonly, class: "short",
          oninput: function (ev) { cond.attr = cond.attr.replace(/custom\..*$/, "custom.") + ev.target.value.trim(); changed(); } }));
      }
      var ops = meta.ops[attr.type];
      if (!cond.op) cond.op = ops[0][0];
      parts.push(options(el("select", { "aria-label": T.operator, "data-key": "op", disabled: readonly,
        onchange: function (ev) {
          var wasList = /in$/.test(cond.op);
          cond.op = ev.target.value;
          var isList = /in$/.test(cond.op);
          if (isList && !Array.isArray(cond.value)) cond.value = cond.value === undefined || cond.value === "" ? [] : [cond.value];
          if (!isList && wasList && Array.isArray(cond.value)) cond.value = cond.value[0] || "";
          if (cond.op === "empty" || cond.op === "not_empty") delete cond.value;
          redraw(); changed();
        } }), ops, cond.op));
      if (cond.op === "empty" || cond.op === "not_empty") return parts;
      var many = cond.op === "in" || cond.op === "not_in";
      var pairs = null;
      if (attr.type === "choice") pairs = attr.choices;
      if (attr.type === "ref") pairs = /team$/.test(cond.attr) ? meta.teams : meta.users;
      if (attr.type === "consent") pairs = meta.purposes.map(function (p) { return [p, p]; });
      if (pairs && many) {
        parts.push(chips(cond, pairs, attr.type === "ref"));
      } else if (pairs) {
        parts.push(options(el("select", { "aria-label": T.value, "data-key": "value", disabled: readonly,
          onchange: function (ev) {
            var v = ev.target.value;
            cond.value = attr.type === "ref" ? Number(v) : v;
            changed();
          } }), pairs, cond.value));
      } else {
        var shown = Array.isArray(cond.value) ? cond.value.join(", ") : (cond.value === undefined ? "" : cond.value);
        parts.push(el("input", { type: "text", value: shown, "aria-label": T.value, "data-key": "value",
          placeholder: many ? T.comma_separated : T.value, disabled: readonly,
          oninput: function (ev) {
            var v = ev.target.value;
            cond.value = many ? v.split(",").map(function (s) { return s.trim(); }).filter(Boolean) : v;
            changed();
          } }));
      }
      return parts;
    }

    function behaviourControls(cond) {
      return [
        didSelect(cond),
        options(el("select", { "aria-label": T.kind, "data-key": "kind", disabled: readonly,
          onchange: function (ev) { cond.kind = ev.target.value; changed(); } }), meta.kinds, cond.kind, T.any_kind),
        options(el("select", { "aria-label": T.channel, "data-key": "channel", disabled: readonly,
          onchange: function (ev) { cond.channel = ev.target.value; changed(); } }), meta.channels, cond.channel, T.any_channel),
        textInput(cond, "topic", T.topic, "seg-topics"),
        textInput(cond, "product", T.product, "seg-products"),
        numberInput(cond, "at_least", T.at_least, "short", "1"),
        numberInput(cond, "days", T.in_last_days, "short", T.ever),
      ];
    }

    function campaignControls(cond) {
      return [
        didSelect(cond),
        options(el("select", { "aria-label": T.event, "data-key": "event", disabled: readonly,
          onchange: function (ev) { cond.event = ev.target.value; changed(); } }),
          [["opened", T.opened], ["clicked", T.clicked]], cond.event),
        textInput(cond, "campaign", T.campaign_code, "seg-campaigns"),
        numberInput(cond, "days", T.in_last_days, "short", T.ever),
      ];
    }

    function childPath(group, path, i) {
      return path + (group.group === "none" ? ".not.any" : "." + group.group) + "[" + i + "]";
    }

    function drawCondition(item, parent, index, path) {
      var row = el("div", { class: "rule-condition", "data-testid": "condition", "data-path": path });
      function redraw() { var fresh = drawCondition(item, parent, index, path); row.replaceWith(fresh); }
      var kind = kindOf(item.cond);
      row.appendChild(options(el("select", { class: "rule-type", "aria-label": T.condition_type, "data-key": "type",
        disabled: readonly,
        onchange: function (ev) { item.cond = fresh(ev.target.value); redraw(); changed(); } }),
        [["attr", T.attribute], ["behaviour", T.behaviour], ["campaign", T.campaign]], kind));
      var controls = kind === "attr" ? attrControls(item.cond, redraw)
        : kind === "campaign" ? campaignControls(item.cond) : behaviourControls(item.cond);
      row.appendChild(el("span", { class: "rule-controls" }, controls));
      if (!readonly) {
        row.appendChild(el("button", { type: "button", class: "small linklike remove", text: "✕", title: T.remove,
          "aria-label": T.remove, onclick: function () { parent.children.splice(index, 1); draw(); changed(); } }));
      }
      return row;
    }

    function drawGroup(group, parent, index, path) {
      var box = el("div", { class: "rule-group group-" + group.group, "data-testid": "group", "data-path": path });
      var head = el("div", { class: "rule-group-head" }, [
        options(el("select", { "aria-label": T.match, "data-key": "group", disabled: readonly,
          onchange: function (ev) { group.group = ev.target.value; box.className = "rule-group group-" + group.group; changed(); } }),
          [["all", T.all], ["any", T.any], ["none", T.none]], group.group),
      ]);
      if (parent && !readonly) {
        head.appendChild(el("button", { type: "button", class: "small linklike remove", text: T.remove_group,
          onclick: function () { parent.children.splice(index, 1); draw(); changed(); } }));
      }
      box.appendChild(head);
      var list = el("div", { class: "rule-children" });
      group.children.forEach(function (child, i) {
        var p = childPath(group, path, i);
        list.appendChild(child.group ? drawGroup(child, group, i, p) : drawCondition(child, group, i, p));
      });
      if (!group.children.length) {
        list.appendChild(el("p", { class: "muted small", text: parent ? T.empty_group : T.everyone }));
      }
      box.appendChild(list);
      if (!readonly) {
        box.appendChild(el("div", { class: "actions rule-add" }, [
          el("button", { type: "button", class: "small", text: T.add_condition, "data-testid": "add-condition",
            onclick: function () { group.children.push({ cond: fresh("attr") }); draw(); changed(); } }),
          el("button", { type: "button", class: "small", text: T.add_group, "data-testid": "add-group",
            onclick: function () { group.children.push({ group: "any", children: [{ cond: fresh("behaviour") }] }); draw(); changed(); } }),
        ]));
      }
      return box;
    }

    function draw() {
      root.textContent = "";
      if (!model) {
        root.appendChild(el("p", { class: "error", text: T.bad_json }));
        return;
      }
      root.appendChild(drawGroup(model, null, 0, "rules"));
      showErrors(lastErrors);
    }

    // --- errors at the fields ------------------------------------------------------------------
    // The server answers [{row, key, message}] (see marketing/rule_errors.py): the row is a condition's
    // path ("rules.all[1]"), the key its control ("at_least"). Each sentence goes right after that control.
    var lastErrors = readErrors("rule-errors");
    function readErrors(id, scope) {
      var node = (scope || document).querySelector("#" + id);
      try { return node ? JSON.parse(node.textContent) : []; } catch (e) { return []; }
    }
    function showErrors(errors) {
      lastErrors = errors || [];
      [].forEach.call(root.querySelectorAll(".rule-error"), function (n) { n.remove(); });
      [].forEach.call(root.querySelectorAll("[aria-invalid]"), function (n) { n.removeAttribute("aria-invalid"); });
      var rest = [];
      lastErrors.forEach(function (e) {
        var row = root.querySelector('[data-path="' + e.row + '"]');
        var note = el("small", { class: "error rule-error", role: "alert", "data-error-for": e.key || "row",
          "data-testid": "rule-error", text: e.message });
        if (!row) { rest.push(note); return; }
        var control = e.key ? row.querySelector('.rule-controls [data-key="' + e.key + '"]') : null;
        if (control) {
          control.setAttribute("aria-invalid", "true");
          var anchor = control.closest("label.inline") || control;
          anchor.insertAdjacentElement("afterend", note);
        } else if (row.classList.contains("rule-group")) {
          row.querySelector(".rule-group-head").insertAdjacentElement("afterend", note);
        } else {
          row.appendChild(note);
        }
      });
      if (rest.length) {
        var top = el("div", { class: "rule-error" }, rest);
        root.insertBefore(top, root.firstChild);
      }
    }
    document.body.addEventListener("htmx:afterSwap", function (ev) {
      if (ev.detail.target && ev.detail.target.id === "preview") showErrors(readErrors("rule-errors-preview", ev.detail.target));
    });

    textarea.addEventListener("change", function () {
      try { model = parse(textarea.value); } catch (e) { model = null; }
      draw();
      form.dispatchEvent(new CustomEvent("rules-changed", { bubbles: true }));
    });
    draw();
    if (root.dataset.countOnLoad === "true") {
      // After htmx has set up the form's trigger (it initialises on load).
      var fire = function () { form.dispatchEvent(new CustomEvent("rules-changed", { bubbles: true })); };
      if (document.readyState === "complete") setTimeout(fire, 0); else window.addEventListener("load", fire);
    }
  }

  function start() {
    var root = document.getElementById("rule-editor");
    if (root) init(root);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
