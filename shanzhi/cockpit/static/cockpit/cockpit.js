/* Cockpit charts: every [data-chart] element is drawn with ECharts from data in the page (the
   trend) or fetched (the map); charts are drawn again after an htmx refresh of their widget. */
(function () {
  var dark = document.documentElement.dataset.bsTheme === 'dark';
  var text = dark ? '#cbd5e1' : '#475569';

  function trend(el) {
    var rows = JSON.parse(document.getElementById(el.dataset.source).textContent);
    var labels = JSON.parse(el.dataset.labels);
    var chart = echarts.init(el, dark ? 'dark' : null);
    chart.setOption({
      backgroundColor: 'transparent',
      tooltip: {trigger: 'axis'},
      legend: {top: 0, data: [labels.total, labels.closed], textStyle: {color: text}},
      grid: {left: 40, right: 10, top: 36, bottom: 24},
      xAxis: {type: 'category', data: rows.map(function (r) { return r.month.slice(2); }), axisLabel: {color: text}},
      yAxis: {type: 'value', axisLabel: {color: text}},
      series: [
        {name: labels.total, type: 'bar', data: rows.map(function (r) { return r.total; }), itemStyle: {color: '#206bc4'}},
        {name: labels.closed, type: 'line', data: rows.map(function (r) { return r.closed; }), itemStyle: {color: '#2fb344'}}
      ]
    });
    chart.on('click', function (p) { if (rows[p.dataIndex]) { window.location = rows[p.dataIndex].url; } });
    return chart;
  }

  function map(el) {
    var labels = JSON.parse(el.dataset.labels);
    var chart = echarts.init(el, dark ? 'dark' : null);
    var mode = 'density';
    var features = [];
    function draw() {
      var values = features.map(function (f) {
        var p = f.properties;
        return {name: p.code, value: mode === 'density' ? p.density : p.composite};
      });
      var nums = values.map(function (v) { return v.value; }).filter(function (v) { return v != null; });
      var max = Math.max.apply(null, nums.concat([1]));
      var min = mode === 'composite' ? Math.min.apply(null, nums.concat([max])) : 0;
      chart.setOption({
        backgroundColor: 'transparent',
        tooltip: {trigger: 'item', formatter: function (p) {
          var f = features.filter(function (x) { return x.properties.code === p.name; })[0];
          if (!f) { return p.name; }
          var g = f.properties;
          return g.community + ' · ' + g.name + '<br>' + labels.cases + ': ' + g.cases + '<br>' + labels.density + ': ' + (g.density == null ? '—' : g.density) + '<br>' + labels.composite + ': ' + (g.composite == null ? '—' : g.composite);
        }},
        visualMap: {min: min, max: max, left: 0, bottom: 0, calculable: false, itemHeight: 80, textStyle: {color: text},
          inRange: {color: mode === 'density' ? ['#e8f1fb', '#206bc4', '#d63939'] : ['#d63939', '#f59f00', '#2fb344']}},
        series: [{type: 'map', map: 'cockpit-grids', roam: true, data: values, aspectScale: 0.93,
          itemStyle: {borderColor: dark ? '#0f172a' : '#94a3b8'}, label: {show: false},
          emphasis: {label: {show: false}, itemStyle: {areaColor: '#f59f00'}}}]
      }, true);
    }
    fetch(el.dataset.url, {credentials: 'same-origin'}).then(function (r) { return r.json(); }).then(function (data) {
      features = data.features;
      data.features.forEach(function (f) { f.properties.name = f.properties.code; });
      echarts.registerMap('cockpit-grids', data);
      draw();
      el.dataset.loaded = features.length;
    });
    chart.on('click', function (p) {
      var f = features.filter(function (x) { return x.properties.code === p.name; })[0];
      if (f) { window.location = f.properties.url; }
    });
    var card = el.closest('.card');
    if (card) {
      card.querySelectorAll('[data-map-mode]').forEach(function (b) {
        b.addEventListener('click', function () {
          mode = b.dataset.mapMode;
          card.querySelectorAll('[data-map-mode]').forEach(function (x) { x.classList.toggle('active', x === b); });
          draw();
        });
      });
    }
    return chart;
  }

  var charts = [];
  function init(root) {
    (root || document).querySelectorAll('[data-chart]').forEach(function (el) {
      if (el.dataset.drawn) { return; }
      el.dataset.drawn = '1';
      var c = el.dataset.chart === 'map' ? map(el) : trend(el);
      charts.push(c);
    });
  }
  document.addEventListener('DOMContentLoaded', function () { init(); });
  document.body.addEventListener('htmx:afterSwap', function (e) { init(e.target.parentNode || document); });
  window.addEventListener('resize', function () { charts.forEach(function (c) { if (!c.isDisposed()) { c.resize(); } }); });
})();
