// The market association's dashboard: GET /api/v1/markets/{id}/dashboard, and the sales report as CSV.
(function () {
  "use strict";
  const D = window.Dash;
  const { $, won, count, percent } = D;
  let period;

  function render(d) {
    const c = d.changes;
    $("period-note").textContent = `${d.from} ~ ${d.to} (비교: ${d.previous.from} ~ ${d.previous.to})`;
    D.tiles($("tiles"), [
      ["gmv", "거래액 (GMV)", d.gmv, won, c.gmv],
      ["refunds", "환불", d.refunds, won, c.refunds, true],
      ["net", "순거래액", d.net, won, c.net],
      ["orders", "결제 주문", d.orders, (n) => count(n, "건"), c.orders],
      ["shoppers", "구매 고객", d.shoppers, (n) => count(n, "명"), c.shoppers],
      ["returning_rate", "재구매 고객 비율", d.returning_rate, percent, c.returning_rate],
      ["average_order", "평균 주문액", d.average_order, won, c.average_order],
      ["commission", "수수료 수입", d.commission, won, c.commission],
      ["in_person", "현장 결제", d.in_person.gross, won, c.in_person.gross],
      ["live_share", "라이브 비중", d.live.share, percent, c.live.share],
      ["on_time_rate", "배달 정시율", d.delivery.on_time_rate, percent, null],
      ["stalls_online", "온라인 판매 가게", d.stalls.online, (n) => `${count(n)} / ${count(d.stalls.total)}곳`, null],
    ]);
    D.resetCharts();
    D.dayChart($("by-day-chart"), d.by_day.map((x) => x.date), [
      { label: "거래액", values: d.by_day.map((x) => x.gmv), color: "#d9826c", bars: true },
      { label: "순거래액", values: d.by_day.map((x) => x.net), color: "#4a7a96" },
    ]);
    $("by-day-table").replaceChildren(D.behind(D.table([["날짜"], ["주문", 1], ["거래액", 1], ["환불", 1], ["순거래액", 1]],
      d.by_day.map((x) => [x.date, count(x.orders), won(x.gmv), won(x.refunds), won(x.net)])), "by_day"));
    D.barList($("top-stalls"), d.top_stalls.map((s) => ({ label: s.name, value: s.gmv, text: won(s.gmv) })),
      "top_stalls");
    $("top-stalls-table").replaceChildren(D.behind(D.table([["가게"], ["주문", 1], ["거래액", 1]],
      d.top_stalls.map((s) => [s.name, count(s.orders), won(s.gmv)])), "top_stalls"));
    D.barList($("categories"), d.by_category.map((x) => ({ label: D.CATEGORY[x.category] || x.category,
      value: x.gmv, text: `${won(x.gmv)} · ${percent(x.share)}` })), "by_category", 20);
    $("categories-table").replaceChildren(D.behind(D.table([["품목"], ["거래액", 1], ["비중", 1]],
      d.by_category.map((x) => [D.CATEGORY[x.category] || x.category, won(x.gmv), percent(x.share)])), "by_category"));
    const share = d.live.share || 0;
    $("live").replaceChildren(
      D.el("div", { class: "share", "data-chart": "live" }, D.el("div", { style: `width:${share * 100}%` })),
      D.el("p", {}, `라이브 방송 ${count(d.live.sessions, "회")}에서 ${won(d.live.gmv)} (${percent(d.live.share)})`));
    $("live-table").replaceChildren(D.behind(D.table([["구분"], ["값", 1]], [
      ["방송 수", count(d.live.sessions)], ["라이브 거래액", won(d.live.gmv)], ["전체 거래액", won(d.gmv)],
      ["비중", percent(d.live.share)]]), "live"));
    const v = d.delivery;
    $("delivery").replaceChildren(D.el("p", {}, v.delivered ? `배달 완료 ${count(v.delivered, "건")} 중 정시 ${count(v.on_time, "건")}`
      : "아직 배달 기록이 없습니다."));
    $("delivery-table").replaceChildren(D.behind(D.table([["구분"], ["건수", 1]], [
      ["배달 완료", count(v.delivered)], ["정시 도착", count(v.on_time)], ["지연", count(v.late)],
      ["배달 실패", count(v.failed)], ["정시율", percent(v.on_time_rate)]]), "delivery"));
  }

  async function load() {
    D.showError("");
    try {
      render(await D.api(`/markets/${$("market").value}/dashboard`, period()));
    } catch (error) {
      D.showError(error.message);
    }
  }

  async function onSignedIn(me) {
    let markets = me.memberships.filter((m) => m.role === "admin").map((m) => [m.market_id, m.market_name]);
    if (me.is_platform_admin) markets = (await D.api("/markets", { page_size: 100 })).map((m) => [m.id, m.name]);
    if (!markets.length) { D.showError("시장 관리자만 볼 수 있습니다."); return; }
    $("market").replaceChildren(...markets.map(([id, name]) => new Option(name, id)));
    $("market").addEventListener("change", load);
    $("csv").addEventListener("click", async () => {
      const id = $("market").value;
      try {
        await D.download(`/markets/${id}/reports/sales.csv`, period(), `sales-market-${id}.csv`);
      } catch (error) { D.showError(error.message); }
    });
    await load();
  }

  document.addEventListener("DOMContentLoaded", () => {
    period = D.setupPeriod(load);
    D.setupSignIn(onSignedIn);
  });
})();
