#!/bin/sh
# Copies of kernel fixtures with what a capture can miss, for the verdict-confidence tests
# (test/flow/confidence.test.ts): made with editcap from the committed fixtures, so the packets stay
# the kernel's. Run from anywhere: sh test/handmade/make.sh
set -eu
here=$(cd "$(dirname "$0")" && pwd)
fx="$here/../../fixtures"
# The server's 1,000-byte reply (frame 6) removed: the client's ACK covers data the capture never
# showed and the server's FIN jumps past it (a gap), before the lost final ACK.
editcap -F pcap "$fx/lost-final-ack.pcap" "$here/lost-final-ack-gap.pcap" 6
# Cut to 70 bytes a frame: the two segments with payload lose part of it (snaplen).
editcap -F pcap -s 70 "$fx/lost-final-ack.pcap" "$here/lost-final-ack-snap70.pcap"
