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
    // Shade each grid by its value (households by default) without visualMap: explicit colours
    // keep the map readable when printed and avoid gradient legends.
    var raw = grids.map(function (f) { return options.valueFor ? options.valueFor(f.properties) : f.properties.households; });
    var nums = raw.filter(function (v) { return typeof v === 'number'; });
    var max = Math.max.apply(null, nums.concat([1]));
    var min = Math.min.apply(null, nums.concat([max]));
    function shade(v) {
      var t = max > min ? Math.max(0, Math.min(1, ((v || 0) - min) / (max - min))) : 0.5;
      var from = [232, 241, 251], to = [32, 107, 196];
      return 'rgb(' + from.map(function (c, i) { return Math.round(c + (to[i] - c) * t); }).join(',') + ')';
    }
    var valueByName = {};
    var regions = grids.map(function (f, i) {
      valueByName[f.properties.code] = raw[i];
      return {name: f.properties.code, itemStyle: {areaColor: shade(raw[i])}};
    });
    chart.setOption({
      tooltip: {trigger: 'item', formatter: function (p) {
        var g = byName[p.name]; if (!g) { return p.name; }
        var v = valueByName[p.name];
        return g.community + ' · ' + (g.label || g.code) + '<br>' + (options.valueLabel || labels.households) + ': ' + (v == null ? '' : v);
      }},
      geo: {map: 'shanzhi-grids', roam: true, aspectScale: 0.93, selectedMode: 'single', regions: regions,
            tooltip: {show: true}, label: {show: false},
            itemStyle: {areaColor: '#f4f6fa', borderColor: '#64748b', borderWidth: 0.6},
            emphasis: {label: {show: false}, itemStyle: {areaColor: '#fcd34d'}},
            select: {label: {show: false}, itemStyle: {areaColor: '#f59f00'}}},
      series: [
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
