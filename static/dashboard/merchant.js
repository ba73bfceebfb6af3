// The merchant's dashboard: GET /api/v1/stalls/{id}/dashboard, or /api/v1/me/dashboard for all their stalls.
(function () {
  "use strict";
  const D = window.Dash;
  const { $, won, count } = D;
  let period;

  function query() {
    const stall = $("stall").value;
    return { path: stall === "all" ? "/me/dashboard" : `/stalls/${stall}/dashboard`, stall };
  }

  function render(d) {
    const c = d.changes;
    $("period-note").textContent = `${d.from} ~ ${d.to} (비교: ${d.previous.from} ~ ${d.previous.to})`;
    D.tiles($("tiles"), [
      ["gross", "매출", d.sales.gross, won, c.sales.gross],
      ["refunds", "환불", d.sales.refunds, won, c.sales.refunds, true],
      ["net", "순매출 (매출-환불)", d.sales.net, won, c.sales.net],
      ["commission", "시장 수수료", d.sales.commission, won, c.sales.commission, true],
      ["payout", "정산 받을 금액", d.sales.payout, won, c.sales.payout],
      ["orders", "주문 수", d.orders.count, (n) => count(n, "건"), c.orders.count],
      ["in_person", "현장 결제", d.in_person.gross, won, c.in_person.gross],
    ]);
    D.resetCharts();
    const days = d.by_day.map((x) => x.date);
    D.dayChart($("by-day-chart"), days, [
      { label: "매출", values: d.by_day.map((x) => x.gross), color: "#d9826c", bars: true },
      { label: "순매출", values: d.by_day.map((x) => x.net), color: "#4a7a96" },
    ]);
    $("by-day-table").replaceChildren(D.behind(D.table([["날짜"], ["주문", 1], ["매출", 1], ["환불", 1], ["순매출", 1]],
      d.by_day.map((x) => [x.date, count(x.orders), won(x.gross), won(x.refunds), won(x.net)])), "by_day"));
    D.barList($("top-products"), d.top_products.map((p) => ({ label: `${p.name} (${count(p.quantity, "개")})`,
      value: p.gross, text: won(p.gross) })), "top_products");
    $("top-products-table").replaceChildren(D.behind(D.table([["상품"], ["수량", 1], ["매출", 1]],
      d.top_products.map((p) => [p.name, count(p.quantity), won(p.gross)])), "top_products"));
    const statuses = Object.entries(d.orders.by_status);
    D.barList($("by-status"), statuses.map(([s, n]) => ({ label: D.STATUS[s] || s, value: n, text: count(n, "건") })),
      "by_status");
    $("by-status-table").replaceChildren(D.behind(D.table([["상태"], ["주문", 1]],
      statuses.map(([s, n]) => [D.STATUS[s] || s, count(n)])), "by_status"));
    const liveTotal = d.live_sessions.reduce((sum, s) => sum + s.gross, 0);
    D.barList($("live"), d.live_sessions.map((s) => ({ label: s.title || `라이브 #${s.id}`, value: s.gross,
      text: won(s.gross) })), "live");
    $("live-table").replaceChildren(D.behind(D.table([["방송"], ["주문", 1], ["매출", 1]],
      d.live_sessions.map((s) => [s.title || `라이브 #${s.id}`, count(s.orders), won(s.gross)]),
      `라이브 매출 합계 ${won(liveTotal)}`), "live"));
    $("low-stock-note").textContent = `(${d.low_stock_below}개 미만)`;
    $("low-stock").replaceChildren(D.table([["상품"], ["남은 재고", 1]],
      d.low_stock.map((p) => [p.name, count(p.stock, "개")])));
    const several = d.stall_id === null;
    $("per-stall-section").classList.toggle("hidden", !several);
    D.barList($("per-stall"), d.stalls.map((s) => ({ label: s.name, value: s.gross, text: won(s.gross) })), "stalls");
    $("per-stall-table").replaceChildren(D.behind(D.table([["가게"], ["매출", 1], ["환불", 1], ["순매출", 1]],
      d.stalls.map((s) => [s.name, won(s.gross), won(s.refunds), won(s.net)])), "stalls"));
    $("payouts").replaceChildren(D.table([["구분"], ["금액", 1]], [
      ["이 기간 매출 중 정산 완료", won(d.payouts.paid)], ["이 기간 매출 중 정산 대기", won(d.payouts.pending)]]));
    const sheetStall = several ? d.stall_ids[0] : d.stall_id;
    $("sheet-link").href = `/dashboard/daily-sheet?stall=${sheetStall}`;
  }

  async function load() {
    D.showError("");
    const { path } = query();
    try {
      render(await D.api(path, period()));
    } catch (error) {
      D.showError(error.message);
    }
  }

  async function onSignedIn(me) {
    const options = me.stalls.map((s) => new Option(s.name, s.id));
    if (!options.length) { D.showError("가게를 가진 상인만 볼 수 있습니다."); return; }
    if (options.length > 1) options.unshift(new Option("전체 가게", "all"));
    $("stall").replaceChildren(...options);
    $("stall").addEventListener("change", load);
    $("csv").addEventListener("click", async () => {
      const stall = $("stall").value === "all" ? me.stalls[0].id : $("stall").value;
      try {
        await D.download(`/stalls/${stall}/reports/sales.csv`, period(), `sales-stall-${stall}.csv`);
      } catch (error) { D.showError(error.message); }
    });
    await load();
  }

  document.addEventListener("DOMContentLoaded", () => {
    period = D.setupPeriod(load);
    D.setupSignIn(onSignedIn);
  });
})();
