/* Draws communities and grids from our own GeoJSON with ECharts (no tiles, no internet).
   Grids are registered as an ECharts map; community outlines are drawn over them. */
function shanzhiGridMap(el, infoEl, labels, options) {
  options = options || {};
  var chart = echarts.init(el, null, {renderer: 'canvas'});
  window.shanzhiMapChart = chart;
  fetch(el.dataset.url, {credentials: 'same-origin'}).then(function (r) { return r.json(); }).then(function (data) {
    var grids = data.grids.features;
    var byName = {};
    grids.forEach(function (f) { f.properties.label = f.properties.name; f.properties.name = f.properties.code; byName[f.properties.code] = f.properties; });
    echarts.registerMap('shanzhi-grids', data.grids);
    var communityLines = [];
    data.communities.features.forEach(function (f) {
      var g = f.geometry; var polys = g.type === 'Polygon' ? [g.coordinates] : g.coordinates;
      polys.forEach(function (p) { communityLines.push({name: f.properties.name, coords: p[0]}); });
    });
    var values = grids.map(function (f) {
      var v = options.valueOf ? options.valueOf(f.properties) : f.properties.households;
      return {name: f.properties.code, value: v};
    });
    var max = Math.max.apply(null, values.map(function (v) { return v.value || 0; }).concat([1]));
    chart.setOption({
      tooltip: {trigger: 'item', formatter: function (p) {
        var g = byName[p.name]; if (!g) { return p.name; }
        return g.community + ' · ' + (g.label || g.code) + '<br>' + labels.households + ': ' + g.households;
      }},
      visualMap: {min: 0, max: max, left: 8, bottom: 8, calculable: true, inRange: {color: ['#e8f1fb', '#206bc4']}},
      geo: {map: 'shanzhi-grids', roam: true, aspectScale: 0.93, itemStyle: {areaColor: '#f4f6fa', borderColor: '#94a3b8'}, silent: true},
      series: [
        {type: 'map', map: 'shanzhi-grids', geoIndex: 0, data: values, name: 'grids', selectedMode: 'single'},
        {type: 'lines', coordinateSystem: 'geo', polyline: true, silent: true,
         lineStyle: {color: '#1e293b', width: 2, opacity: 0.9}, data: communityLines}
      ]
    });
    el.dataset.loaded = grids.length;
    chart.on('click', function (p) {
      var g = byName[p.name]; if (!g) { return; }
      infoEl.innerHTML = '';
      var dl = document.createElement('dl'); dl.className = 'row mb-0'; dl.dataset.testid = 'grid-info-fields';
      [[labels.code, g.code], [labels.community, g.community], [labels.households, g.households], [labels.workers, g.workers]]
        .concat(options.extraInfo ? options.extraInfo(g) : []).forEach(function (kv) {
          var dt = document.createElement('dt'); dt.className = 'col-6'; dt.textContent = kv[0];
          var dd = document.createElement('dd'); dd.className = 'col-6'; dd.textContent = kv[1];
          dl.appendChild(dt); dl.appendChild(dd);
        });
      var h = document.createElement('h3'); h.textContent = g.name_label || g.label || g.code;
      var a = document.createElement('a'); a.href = '/orgs/grids/' + g.id + '/'; a.textContent = labels.open; a.className = 'btn btn-sm mt-2';
      infoEl.appendChild(h); infoEl.appendChild(dl); infoEl.appendChild(a);
      infoEl.classList.remove('text-secondary');
    });
    window.addEventListener('resize', function () { chart.resize(); });
  });
  return chart;
}
