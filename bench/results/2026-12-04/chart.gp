if (!exists("term")) term = "pngcairo"
if (term eq "pngcairo") set terminal pngcairo size 1400,520 font "sans,10"; else set terminal png size 1400,520
set output "chart.png"
set termoption noenhanced
set multiplot layout 1,2 title "edgectl push vs edge3 polling protocol (edge_bench fleet sweep)"
set logscale xy
set grid
set key top left
set xlabel "workers (N)"
set ylabel "queued -> worker has the job, ms"
set title "Dispatch latency"
plot "chart.dat" using 1:($10 == 1 ? $2 : 1/0) with linespoints lw 2 pt 7 lc 1 title "edgectl p50, a connection per worker", \
     "" using 1:($10 == 1 ? $3 : 1/0) with linespoints lw 2 pt 5 lc 2 title "edgectl p99, a connection per worker", \
     "" using 1:($10 > 1 ? $2 : 1/0) with linespoints lw 1 dt 2 pt 6 lc 1 title "edgectl p50, workers share connections", \
     "" using 1:($10 > 1 ? $3 : 1/0) with linespoints lw 1 dt 2 pt 4 lc 2 title "edgectl p99, workers share connections", \
     "" using 6:7 with points pt 9 ps 2 title "edge3 p50 (poll 5 s)"
set title "Idle cost (nothing queued, heartbeats 30 s, edge3 poll 5 s)"
set ylabel "per second / per worker-minute"
plot "chart.dat" using 1:4 with linespoints lw 2 pt 7 title "edgectl PostgreSQL statements/s", \
     "" using 6:8 with points pt 9 ps 2 title "edge3 PostgreSQL statements/s", \
     "" using 1:5 with linespoints lw 2 pt 5 title "edgectl REST calls / idle worker-minute", \
     "" using 6:9 with points pt 11 ps 2 title "edge3 REST calls / idle worker-minute"
unset multiplot
