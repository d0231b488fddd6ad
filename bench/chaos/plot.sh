#!/usr/bin/env bash
# Plots a soak run's samples (bench/chaos/Chaos.java --samples FILE) into a PNG: RSS and file
# descriptors on the left axis, p99 latency of clean transfers on the right, one point a minute.
#
#   bench/chaos/plot.sh SAMPLES.csv OUT.png "title"
#
# Needs gnuplot (apt-get install gnuplot-nox).
set -euo pipefail
[ $# -eq 3 ] || { echo "usage: $0 SAMPLES.csv OUT.png TITLE" >&2; exit 2; }
command -v gnuplot >/dev/null || { echo "gnuplot is needed: apt-get install gnuplot-nox" >&2; exit 2; }
gnuplot <<GP
set terminal pngcairo size 1100,600 font "sans,11" noenhanced
set output "$2"
set title "$3"
set datafile separator ","
set key top left
set xlabel "minute"
set ylabel "RSS (MiB), file descriptors, threads"
set y2label "p99 of clean transfers (ms)"
set ytics nomirror
set y2tics
set yrange [0:*]
set y2range [0:*]
set grid
plot "$1" using 1:6 skip 1 with linespoints title "RSS MiB", \
     "$1" using 1:7 skip 1 with linespoints title "file descriptors", \
     "$1" using 1:8 skip 1 with linespoints title "threads", \
     "$1" using 1:9 skip 1 axes x1y2 with linespoints title "p99 ms (right axis)"
GP
