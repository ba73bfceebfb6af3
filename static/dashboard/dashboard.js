// Shared by the dashboard pages: sign-in, API calls, won formatting, tiles, bar lists, tables and the
// sales-by-day chart (uPlot, vendored in /static/vendor/uplot). Every chart has a table behind it.
(function () {
  "use strict";
  const TOKEN = "market.dashboard.token";
  const $ = (id) => document.getElementById(id);
  const wonFormat = new Intl.NumberFormat("ko-KR");

  function won(n) {
    if (n === null || n === undefined) return "–";
    return (n < 0 ? "-₩" : "₩") + wonFormat.format(Math.abs(n));
  }
  function count(n, unit) { return n === null || n === undefined ? "–" : wonFormat.format(n) + (unit || ""); }
  function percent(rate) {
    return rate === null || rate === undefined ? "–" : (Math.round(rate * 1000) / 10).toFixed(1) + "%";
  }

  const CATEGORY = {
    produce: "채소", fruit: "과일", seafood: "수산", meat: "정육", side_dishes: "반찬", kimchi: "김치",
    rice_cakes: "떡", dry_goods: "건어물", grains: "잡곡", snacks: "분식", restaurant: "식당", bakery: "빵",
    health: "건강식품", clothing: "의류", housewares: "생활용품", flowers: "꽃", other: "기타",
  };
  const STATUS = {
    pending: "수락 대기", accepted: "준비 중", ready: "준비 완료", handed_over: "전달 완료",
    rejected: "거절", cancelled: "취소",
  };

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (key === "class") node.className = value;
      else if (key.startsWith("data-")) node.setAttribute(key, value);
      else node[key] = value;
    }
    for (const child of children) {
      if (child !== null && child !== undefined) node.append(child instanceof Node ? child : String(child));
    }
    return node;
  }

  // --- API and sign-in -------------------------------------------------------------------------------
  function token() { return sessionStorage.getItem(TOKEN); }

  async function api(path, params) {
    const url = new URL("/api/v1" + path, location.origin);
    for (const [key, value] of Object.entries(params || {})) if (value) url.searchParams.set(key, value);
    const response = await fetch(url, { headers: { Authorization: "Bearer " + token() } });
    if (response.status === 401) { signOut(); throw new Error("다시 로그인해 주세요."); }
    const body = await response.json();
    if (!response.ok) {
      const fields = body.errors && body.errors.query ? " (" + Object.keys(body.errors.query).join(", ") + ")" : "";
      throw new Error((body.message || "오류가 발생했습니다.") + fields);
    }
    return body;
  }

  async function download(path, params, filename) {
    const url = new URL("/api/v1" + path, location.origin);
    for (const [key, value] of Object.entries(params || {})) if (value) url.searchParams.set(key, value);
    const response = await fetch(url, { headers: { Authorization: "Bearer " + token() } });
    if (!response.ok) throw new Error("내려받기에 실패했습니다.");
    const link = el("a", { href: URL.createObjectURL(await response.blob()), download: filename });
    document.body.append(link);
    link.click();
    link.remove();
  }

  function signOut() {
    sessionStorage.removeItem(TOKEN);
    $("app").classList.add("hidden");
    $("signin").classList.remove("hidden");
    $("signout").classList.add("hidden");
  }

  // onSignedIn(me) runs once a token is there (kept for the browser tab's session).
  function setupSignIn(onSignedIn) {
    $("signin-form").addEventListener("submit", async (event) => {
      event.preventDefault();
      $("signin-error").textContent = "";
      const response = await fetch("/api/v1/auth/login", {
        method: "POST", headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ email: $("email").value, password: $("password").value }),
      });
      const body = await response.json();
      if (!response.ok) { $("signin-error").textContent = body.message || "로그인에 실패했습니다."; return; }
      sessionStorage.setItem(TOKEN, body.access_token);
      start();
    });
    $("signout").addEventListener("click", signOut);
    async function start() {
      try {
        const me = await api("/me");
        $("signin").classList.add("hidden");
        $("app").classList.remove("hidden");
        $("signout").classList.remove("hidden");
        $("who").textContent = me.name;
        await onSignedIn(me);
      } catch (error) {
        $("signin-error").textContent = error.message;
      }
    }
    if (token()) start();
  }

  // --- period ----------------------------------------------------------------------------------------
  // Days are the market's local days (Korean markets: Asia/Seoul), whatever the browser's own time zone.
  const marketDay = new Intl.DateTimeFormat("en-CA", { timeZone: "Asia/Seoul" });
  function isoDay(date) { return marketDay.format(date); }
  function setupPeriod(onChange) {
    const setDays = (days) => {
      const to = new Date();
      const from = new Date(to.getTime() - (days - 1) * 86400000);
      $("from").value = isoDay(from);
      $("to").value = isoDay(to);
    };
    setDays(30);
    for (const button of document.querySelectorAll("[data-days]")) {
      button.addEventListener("click", () => { setDays(Number(button.dataset.days)); onChange(); });
    }
    $("show").addEventListener("click", onChange);
    return () => ({ from: $("from").value, to: $("to").value });
  }

  // --- building blocks -------------------------------------------------------------------------------
  // lowerIsBetter: a rise is shown in red (refunds), not green.
  function changeLine(change, format, lowerIsBetter) {
    if (!change || change.previous === null || change.previous === undefined) return el("div", { class: "change" });
    const delta = change.change || 0;
    const good = lowerIsBetter ? delta < 0 : delta > 0;
    const bad = lowerIsBetter ? delta > 0 : delta < 0;
    const arrow = delta > 0 ? "▲" : delta < 0 ? "▼" : "–";
    const text = change.percent === null ? `이전 ${format(change.previous)}`
      : `${arrow} ${Math.abs(change.percent).toFixed(1)}% (이전 ${format(change.previous)})`;
    return el("div", { class: "change " + (good ? "up" : bad ? "down" : "") }, text);
  }

  function tiles(container, specs) {
    container.replaceChildren(...specs.map(([key, name, value, format, change, lowerIsBetter]) =>
      el("div", { class: "tile" }, el("div", { class: "name" }, name),
        el("div", { class: "value", "data-figure": key }, format(value)), changeLine(change, format, lowerIsBetter))));
  }

  function table(headers, rows, caption) {
    const head = el("tr", {}, ...headers.map(([label, numeric]) => el("th", { class: numeric ? "num" : "" }, label)));
    const body = rows.map((row) => el("tr", {}, ...row.map((cell, i) =>
      el("td", { class: headers[i][1] ? "num" : "" }, cell))));
    return el("div", { class: "table-wrap" },
      el("table", {}, caption ? el("caption", { class: "muted" }, caption) : null, el("thead", {}, head),
        el("tbody", {}, ...(body.length ? body : [el("tr", {}, el("td", { colSpan: headers.length }, "자료 없음"))]))));
  }

  function behind(tableNode, name, open) {
    const details = el("details", { "data-table": name }, el("summary", {}, "표로 보기"), tableNode);
    if (open) details.open = true;
    return details;
  }

  // The longest bars only (the table behind the chart has every row).
  function barList(container, rows, name, limit = 10) {
    rows = rows.slice(0, limit);
    const top = Math.max(1, ...rows.map((row) => row.value));
    container.replaceChildren(...(rows.length ? rows.map((row) =>
      el("div", { class: "bar" },
        el("div", { class: "label" }, el("span", {}, row.label), el("span", {}, row.text)),
        el("div", { class: "track" }, el("div", { class: "fill", style: `width:${Math.max(0, row.value) * 100 / top}%` }))))
      : [el("p", { class: "muted" }, "이 기간에는 자료가 없습니다.")]));
    container.dataset.chart = name;
  }

  let charts = [];
  function dayChart(container, days, series) {
    container.replaceChildren();
    const xs = days.map((d) => Date.UTC(+d.slice(0, 4), +d.slice(5, 7) - 1, +d.slice(8, 10)) / 1000);
    const width = () => Math.max(280, container.clientWidth);
    const bars = uPlot.paths.bars({ size: [0.7, 40] });
    const opts = {
      width: width(), height: 260, tzDate: (ts) => uPlot.tzDate(new Date(ts * 1e3), "UTC"),
      legend: { show: true }, cursor: { points: { show: false } },
      // Whole days only on the x axis, with half a day of room on each side for the first and last bars.
      scales: { x: { time: true, range: (u, min, max) => [min - 43200, max + 43200] } },
      axes: [{ values: "{M}/{D}", font: "13px sans-serif", space: 48,
               incrs: [86400, 2 * 86400, 7 * 86400, 14 * 86400, 28 * 86400, 91 * 86400] },
             { size: (u, values) => 14 + 8 * Math.max(4, ...(values || []).map((v) => String(v).length)),
               font: "13px sans-serif", values: (u, ticks) => ticks.map((v) => wonFormat.format(v)) }],
      series: [{ label: "날짜", value: "{YYYY}-{MM}-{DD}" }, ...series.map((s) => ({
        label: s.label, stroke: s.color, fill: s.bars ? s.color + "cc" : undefined, width: s.bars ? 0 : 2,
        paths: s.bars ? bars : undefined, value: (u, v) => (v === null ? "–" : won(v)), points: { show: false },
      }))],
    };
    const chart = new uPlot(opts, [xs, ...series.map((s) => s.values)], container);
    charts.push([chart, container, width]);
  }
  window.addEventListener("resize", () => {
    for (const [chart, , width] of charts) chart.setSize({ width: width(), height: 260 });
  });
  function resetCharts() { for (const [chart] of charts) chart.destroy(); charts = []; }

  function showError(message) {
    const node = $("error");
    node.textContent = message || "";
    node.classList.toggle("hidden", !message);
  }

  window.Dash = { $, el, won, count, percent, CATEGORY, STATUS, api, download, setupSignIn, setupPeriod, tiles,
                  table, behind, barList, dayChart, resetCharts, showError };
})();
