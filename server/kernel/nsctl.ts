// nslab-nsctl: a small Perl program that does, in one process, the namespace-file commands a plan
// needs for many namespaces (lib/ops.ts `nsfile`: claim /run/netns/NS, make a user namespace and
// a network namespace owned by it, unmount and remove the files), and reads many namespaces at
// once (their ownership marks, their state by rtnetlink, their links' counters). The same work
// through `sh` costs about seven processes per namespace (dd, mountpoint, dd, unshare and its
// id-map helpers, true); here it is a fork per namespace and a few system calls. Perl because it
// is part of every Debian system (perl-base) and starts in a few milliseconds.
//
// It interprets exactly the command lines lib/ops.ts writes (the command log and the exported
// script still show those lines, which a student can run by hand) and refuses anything else, so
// the shell path (server/kernel/batch.ts) stays the reference. NSLAB_NSCTL=0 turns it off.
import { accessSync, constants } from 'node:fs';
import type { Command } from '@/lib/ops';
import type { Counters } from '@/lib/rates';
import { IDMAP_DIR, NETNS_DIR, NOBODY_ID, USERNS_DIR } from '@/lib/ops';
import { deletesNetns } from './schedule';

export const NSCTL_PATH = `${IDMAP_DIR}/nslab-nsctl`;

/** System call numbers (unshare, setns, mount, umount2, prctl, exit_group) by Node's process.arch. */
const SYSCALLS: Partial<Record<NodeJS.Architecture, [number, number, number, number, number, number]>> = {
  x64: [272, 308, 165, 166, 157, 231],
  arm64: [97, 268, 40, 39, 167, 94],
  riscv64: [97, 268, 40, 39, 167, 94],
};

let perl: boolean | null = null;

/** Whether nslab-nsctl can run here: a known architecture, perl present, not turned off. */
export function nsctlUsable(): boolean {
  if (process.env.NSLAB_NSCTL === '0') return false;
  if (perl === null) {
    try {
      accessSync('/usr/bin/perl', constants.X_OK);
      perl = true;
    } catch {
      perl = false;
    }
  }
  return perl && SYSCALLS[process.arch] !== undefined;
}

/** The program's text for this machine's architecture. */
export function nsctlSource(): string {
  const nr = SYSCALLS[process.arch];
  if (!nr) throw new Error(`nslab-nsctl: no system call numbers for ${process.arch}`);
  const [unshare, setns, mount, umount2, prctl, exitGroup] = nr;
  return `#!/usr/bin/perl
# nslab-nsctl, written by nslab (server/kernel/nsctl.ts). Root only.
#   nslab-nsctl run     lines on stdin: FLAG<TAB>ARGV... (FLAG m: only if mounted); prints
#                       "ok I" or "err I MESSAGE" per line and stops at the first error (exit 3)
#   nslab-nsctl marks NS...
#                       prints "NS<TAB>ok<TAB>HEX(lo alias)<TAB>ip_forward<TAB>ipv6 forwarding" or "NS<TAB>missing"
#   nslab-nsctl nsids [+]NS...
#                       prints "NS<TAB>NSID": the id this namespace gives /run/netns/NS (with a +,
#                       one is given first where there is none, as \`ip netns set NS auto\` does);
#                       nothing for a namespace that is gone or has no id
#   nslab-nsctl counters NS...
#                       prints "NS<TAB>ok", then " IFACE<TAB>RXPACKETS<TAB>TXPACKETS<TAB>RXBYTES<TAB>TXBYTES"
#                       (after a space) for each of its interfaces; or "NS<TAB>missing" ('' is this
#                       program's own namespace)
#   nslab-nsctl ip PARALLEL
#                       lines on stdin: NS<TAB>LINE<TAB>LINE...; runs \`ip -batch -\` with those lines
#                       in /run/netns/NS (as nsenter --net would), PARALLEL at a time; prints
#                       "I<TAB>EXIT<TAB>HEX(stderr)" as the batch on stdin line I ends
use strict;
# Warnings on for the whole program, as \`perl -w\` does: \`use warnings\` gives the same and loads
# warnings.pm at every start (3 ms, a fifth of the start)
BEGIN { $^W = 1 }
# Modules cost their loading at every start (Socket alone 12 ms, Fcntl 4, IO::Select 5, Errno 1.5:
# more than the work of many runs): open(2) flags and errno values are numbers (the same on every
# architecture nslab knows), socket(2) needs no module, and IO::Select is loaded where
# \`ip -batch\` processes are waited for.
my ($O_RDONLY, $O_WRONLY, $O_CREAT, $O_EXCL, $O_TRUNC) = (0, 1, 0100, 0200, 01000);
my ($EPERM, $ENOENT, $EACCES, $EINVAL) = (1, 2, 13, 22);
$| = 1;
my ($SYS_unshare, $SYS_setns, $SYS_mount, $SYS_umount2, $SYS_prctl, $SYS_exit_group) = (${unshare}, ${setns}, ${mount}, ${umount2}, ${prctl}, ${exitGroup});

# A forked child ends here, as POSIX::_exit does (no END blocks, no buffers of the parent's
# flushed twice); not loading POSIX makes every start, and every fork, cheaper
sub _exit {
  syscall($SYS_exit_group, $_[0]);
}
my $CLONE_NEWUSER = 0x10000000;
my $CLONE_NEWNET = 0x40000000;
my $MS_BIND = 4096;
my $NOBODY = ${NOBODY_ID};
my %ROOTS = ('${NETNS_DIR}' => 1, '${USERNS_DIR}' => 1);

sub ours {
  my ($p) = @_;
  return $p =~ m{^(.*)/([^/]+)$} && $ROOTS{$1} && $2 ne '.' && $2 ne '..';
}

sub mounted {
  my ($p) = @_;
  my @s = stat($p) or return 0;
  my ($dir) = $p =~ m{^(.*)/[^/]+$};
  my @d = stat($dir) or return 0;
  return $s[0] != $d[0] || $s[1] == $d[1];
}

sub write_file {
  my ($path, $text) = @_;
  open(my $fh, '>', $path) or return "unshare: cannot open $path: $!";
  print $fh $text or return "unshare: write failed $path: $!";
  close($fh) or return "unshare: write failed $path: $!";
  return undef;
}

sub bind_mount {
  my ($src, $dst) = @_;
  return syscall($SYS_mount, $src, $dst, 0, $MS_BIND, 0) == 0 ? undef : "unshare: mount $src on $dst failed: $!";
}

sub idmap {
  my ($spec) = @_;
  my ($outer, $inner, $count) = split /,/, $spec;
  return "$inner $outer $count\\n$NOBODY $NOBODY 1\\n";
}

# A user namespace and a network namespace owned by it, kept by bind mounts on USER and NET.
sub make_ns {
  my ($user, $net, $umap, $gmap) = @_;
  pipe(my $ready_r, my $ready_w) or return "unshare: pipe failed: $!";
  pipe(my $done_r, my $done_w) or return "unshare: pipe failed: $!";
  my $pid = fork();
  return "unshare: fork failed: $!" unless defined $pid;
  if ($pid == 0) {
    close $ready_r;
    close $done_w;
    my $ok = syscall($SYS_unshare, $CLONE_NEWUSER | $CLONE_NEWNET) == 0;
    syswrite($ready_w, $ok ? 'ok' : "unshare failed: $!");
    close $ready_w;
    # wait until the parent has mounted our namespaces (EOF also when it dies)
    sysread($done_r, my $x, 1);
    _exit(0);
  }
  close $ready_w;
  close $done_r;
  my $n = sysread($ready_r, my $got, 512);
  close $ready_r;
  my $err;
  if (!$n || $got ne 'ok') {
    $err = 'unshare: ' . ($n ? $got : 'the child ended early');
  } else {
    $err = write_file("/proc/$pid/uid_map", $umap) // write_file("/proc/$pid/gid_map", $gmap)
      // bind_mount("/proc/$pid/ns/user", $user) // bind_mount("/proc/$pid/ns/net", $net);
  }
  close $done_w;
  waitpid($pid, 0);
  return $err;
}

# The sysctls nslab sets in a namespace it creates (lib/ops.ts NO_DAD_KEYS)
my $SYSCTL_KV = qr/net\\.ipv6\\.conf\\.(?:all|default)\\.accept_dad=[0-2]/;
my $OWN_NET;

# What \`ip netns exec NS sysctl -q -e -w KEY=VALUE...\` does: each key written in namespace NS (a
# key the kernel does not have is left out, as -e says), in sysctl's words when one fails; then
# back to the namespace this program started in.
sub netns_sysctl {
  my ($ns, @kv) = @_;
  unless ($OWN_NET) {
    sysopen($OWN_NET, '/proc/self/ns/net', $O_RDONLY) or return "nslab-nsctl: /proc/self/ns/net: $!";
  }
  my $err = enter_netns($ns);
  return $err if defined $err;
  for my $pair (@kv) {
    my ($key, $value) = split /=/, $pair, 2;
    (my $path = "/proc/sys/$key") =~ tr{.}{/};
    if (open(my $f, '>', $path)) {
      next if (print $f "$value\\n") && close($f);
      $err = "sysctl: setting key \\"$key\\": $!";
    } elsif ($! != $ENOENT) {
      $err = $! == $EACCES || $! == $EPERM ? "sysctl: permission denied on key '$key'" : "sysctl: setting key \\"$key\\": $!";
    }
    last if defined $err;
  }
  syscall($SYS_setns, fileno($OWN_NET), $CLONE_NEWNET) == 0 or return "nslab-nsctl: back to its own network namespace: $!";
  return $err;
}

sub run_line {
  my ($if_mounted, @a) = @_;
  my $tool = $a[0] // '';
  if ($tool eq 'dd') {
    my %o = map { /^(\\w+)=(.*)$/ ? ($1, $2) : () } @a[1 .. $#a];
    my $of = $o{of} // '';
    return "nslab-nsctl: refused: $of" unless ours($of);
    my $flags = $O_WRONLY | $O_CREAT | (($o{conv} // '') eq 'excl' ? $O_EXCL : $O_TRUNC);
    sysopen(my $fh, $of, $flags, 0644) or return "dd: failed to open '$of': $!";
    close $fh;
    return undef;
  }
  if ($tool eq 'umount') {
    my $p = $a[1] // '';
    return "nslab-nsctl: refused: $p" unless ours($p);
    return undef if $if_mounted && !mounted($p);
    return undef if syscall($SYS_umount2, $p, 2) == 0;
    return "umount: $p: not mounted." if $! == $EINVAL;
    return "umount: $p: $!";
  }
  if ($tool eq 'rm') {
    my $p = $a[-1] // '';
    return "nslab-nsctl: refused: $p" unless ours($p);
    return undef if unlink($p) || $! == $ENOENT;
    return "rm: cannot remove '$p': $!";
  }
  if ($tool eq 'ip' && ($a[2] // '') eq 'exec') {
    # ip netns exec NAME sysctl -q -e -w KEY=VALUE...: writes the keys in that namespace
    my $name = $a[3] // '';
    my @kv = @a[8 .. $#a];
    return "nslab-nsctl: refused: @a" unless @a > 8 && $a[1] eq 'netns' && join(' ', @a[4 .. 7]) eq 'sysctl -q -e -w' && ours("${NETNS_DIR}/$name") && !grep { !/^$SYSCTL_KV$/ } @kv;
    return netns_sysctl($name, @kv);
  }
  if ($tool eq 'ip') {
    # ip netns del NAME: what ip does (unmount the name, lazily, then remove it)
    my $name = $a[3] // '';
    return "nslab-nsctl: refused: @a" unless @a == 4 && $a[1] eq 'netns' && $a[2] eq 'del' && ours("${NETNS_DIR}/$name");
    my $p = "${NETNS_DIR}/$name";
    syscall($SYS_umount2, $p, 2);
    return undef if unlink($p);
    return "Cannot remove namespace file \\"$p\\": $!";
  }
  if ($tool eq 'env') {
    my %o = map { /^--([\\w-]+)=(.*)$/ ? ($1, $2) : () } @a;
    my ($user, $net) = ($o{user} // '', $o{net} // '');
    return "nslab-nsctl: refused: $user $net" unless ours($user) && ours($net);
    return make_ns($user, $net, idmap($o{'map-users'} // ''), idmap($o{'map-groups'} // ''));
  }
  return "nslab-nsctl: unknown command: $tool";
}

# The ifalias of lo (ifindex 1) in the current network namespace, by rtnetlink.
sub lo_alias {
  socket(my $s, 16, 3, 0) or return (undef, "socket: $!");
  my $ifi = pack('CCSiII', 0, 0, 0, 1, 0, 0);
  my $req = pack('LSSLL', 16 + length($ifi), 18, 1, 1, 0) . $ifi;
  defined(send($s, $req, 0)) or return (undef, "send: $!");
  defined(recv($s, my $buf, 65536, 0)) or return (undef, "recv: $!");
  my ($len, $type) = unpack('LS', $buf);
  return (undef, 'netlink error ' . -unpack('l', substr($buf, 16, 4))) if $type == 2;
  return (undef, "netlink answer $type") if $type != 16;
  my $off = 32;
  while ($off + 4 <= $len) {
    my ($alen, $atype) = unpack('SS', substr($buf, $off, 4));
    last if $alen < 4;
    if (($atype & 0x3fff) == 20) {
      my $v = substr($buf, $off + 4, $alen - 4);
      $v =~ s/\\0.*//s;
      return ($v, undef);
    }
    $off += ($alen + 3) & ~3;
  }
  return ('', undef);
}

# net.ipv4.ip_forward of the current network namespace ('' when unreadable)
sub ip_forward {
  open(my $f, '<', '/proc/sys/net/ipv4/ip_forward') or return '';
  my $v = <$f> // '';
  chomp $v;
  return $v;
}

# net.ipv6.conf.all.forwarding of the current network namespace ('' when unreadable)
sub ip6_forward {
  open(my $f, '<', '/proc/sys/net/ipv6/conf/all/forwarding') or return '';
  my $v = <$f> // '';
  chomp $v;
  return $v;
}

# IPv6: addresses (ifaddrmsg, AF_INET6), routes (rtmsg, AF_INET6) and forwarding ("G" line)
sub dump_inet6 {
  my ($ns) = @_;
  my $err = nl_dump($ns, 'A', 22, pack('CCCCI', 10, 0, 0, 0, 0))
    // nl_dump($ns, 'R', 26, pack('CCCCCCCCI', 10, 0, 0, 0, 0, 0, 0, 0, 0));
  return $err if defined $err;
  print "$ns\\tG\\t" . ip6_forward() . "\\n";
  return undef;
}

# The attributes of a link that nslab reads (server/kernel/read/netlink.ts): address, name, mtu,
# link, master, operstate, linkinfo (without a port's data), ifalias, stats64, group,
# link_netnsid. The rest (per-family settings and statistics, a bridge port's state) is most of
# a link's message: a host with a thousand ports would print megabytes nobody reads.
my %LINK_KEEP = map { $_ => 1 } (1, 3, 4, 5, 10, 16, 18, 20, 23, 27, 37);

sub attr_list {
  my ($buf, $from, $keep) = @_;
  my $out = '';
  my $a = $from;
  while ($a + 4 <= length($buf)) {
    my ($alen, $atype) = unpack('SS', substr($buf, $a, 4));
    last if $alen < 4;
    if ($keep->($atype & 0x3fff)) {
      my $attr = substr($buf, $a, $alen);
      if (($atype & 0x3fff) == 18) {
        my $in = attr_list($attr, 4, sub { $_[0] != 4 && $_[0] != 5 });
        $attr = pack('SS', 4 + length($in), $atype) . $in;
      }
      $out .= $attr . ("\0" x ((4 - length($attr) % 4) % 4));
    }
    $a += ($alen + 3) & ~3;
  }
  return $out;
}

# IPv6 the kernel makes by itself, which nslab does not read (server/kernel/read/model.ts keeps
# global addresses and static unicast routes of the main table): each port of a bridge has its
# link-local address and its routes, thousands of them on a big host.
sub skipped {
  my ($tag, $body) = @_;
  return 0 if length($body) < 8 || ord($body) != 10;
  my @h = unpack('C8', $body);
  return $h[3] != 0 if $tag eq 'A';
  return $h[4] == 255 || $h[5] == 2 || $h[7] != 1 if $tag eq 'R';
  return 0;
}

sub link_slim {
  my ($body) = @_;
  return substr($body, 0, 16) . attr_list($body, 16, sub { $LINK_KEEP{$_[0]} });
}

# Dumps (NLM_F_DUMP) one kind of object in the current network namespace; prints each answer
# message as "NS<TAB>TAG<TAB>HEX" (server/kernel/read/netlink.ts decodes them).
sub nl_dump {
  my ($ns, $tag, $type, $body) = @_;
  socket(my $s, 16, 3, 0) or return "socket: $!";
  my $req = pack('LSSLL', 16 + length($body), $type, 0x301, 1, 0) . $body;
  defined(send($s, $req, 0)) or return "send: $!";
  while (1) {
    defined(recv($s, my $buf, 262144, 0)) or return "recv: $!";
    return 'netlink: empty answer' if length($buf) == 0;
    my $off = 0;
    while ($off + 16 <= length($buf)) {
      my ($len, $t) = unpack('LS', substr($buf, $off, 6));
      return "netlink: bad length $len" if $len < 16 || $off + $len > length($buf);
      return undef if $t == 3;
      return 'netlink error ' . -unpack('l', substr($buf, $off + 16, 4)) if $t == 2;
      my $body = substr($buf, $off + 16, $len - 16);
      $off += ($len + 3) & ~3;
      next if skipped($tag, $body);
      $body = link_slim($body) if $tag eq 'L';
      print "$ns\\t$tag\\t" . unpack('H*', $body) . "\\n";
    }
  }
}

# One socket per network namespace entered asks for interface indexes (SIOCGIFINDEX): a socket
# answers for the namespace it was made in, so enter_netns drops it.
my $IFSOCK;

# Enters network namespace NS (/run/netns/NS), as nsenter --net does: undef, or what went wrong
# (in ip's words).
sub enter_netns {
  my ($ns) = @_;
  undef $IFSOCK;
  return "nslab-nsctl: refused namespace: $ns" unless $ns =~ /^[A-Za-z0-9][A-Za-z0-9_.-]{0,254}$/ && $ns ne '..';
  sysopen(my $fh, "${NETNS_DIR}/$ns", $O_RDONLY) or return "Cannot open network namespace \\"$ns\\": $!";
  syscall($SYS_setns, fileno($fh), $CLONE_NEWNET) == 0 or return "setting the network namespace \\"$ns\\" failed: $!";
  return undef;
}

# Starts \`ip -batch -\` in network namespace NS with LINES on its standard input (a child that
# dies with this process); returns (pid, its stderr) or (undef, an error message).
sub ip_batch_start {
  my ($ns, $lines) = @_;
  for (@$lines) {
    return (undef, "nslab-nsctl: refused line: $_") unless m{^[A-Za-z0-9_./:=@%+, -]+$};
  }
  pipe(my $err_r, my $err_w) or return (undef, "nslab-nsctl: pipe failed: $!");
  pipe(my $in_r, my $in_w) or return (undef, "nslab-nsctl: pipe failed: $!");
  my $pid = fork();
  return (undef, "nslab-nsctl: fork failed: $!") unless defined $pid;
  if ($pid == 0) {
    close $err_r;
    close $in_w;
    # PR_SET_PDEATHSIG, SIGKILL: ip stops when this program does (and so when nslab does)
    syscall($SYS_prctl, 1, 9, 0, 0, 0);
    # onto descriptors 0 and 2 (perl reopens its standard handles on the same numbers)
    open(STDIN, '<&', $in_r) or _exit(126);
    open(STDERR, '>&', $err_w) or _exit(126);
    open(STDOUT, '>', '/dev/null');
    my $err = enter_netns($ns);
    if (defined $err) {
      print STDERR "$err\\n";
      _exit(1);
    }
    exec { 'ip' } 'ip', '-batch', '-' or print STDERR "nsenter: failed to execute ip: $!\\n";
    _exit(127);
  }
  close $err_w;
  close $in_r;
  my $text = join('', map { "$_\n" } @$lines);
  while (length $text) {
    my $n = syswrite($in_w, $text);
    last unless defined $n;
    substr($text, 0, $n) = '';
  }
  close $in_w;
  return ($pid, $err_r);
}

# --- rtnetlink writes: the line shapes a plan writes in every namespace (link up/down and alias,
# an IPv4 address, an IPv4 route via a gateway), sent as ip sends them, with ip's messages. A batch
# with any other line is run by ip itself (ip_batch_start). NSLAB_NSCTL_NETLINK=0: always by ip.
my $SEQ = 0;

sub ipv4_bytes {
  my ($a) = @_;
  return undef unless $a =~ /^(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})$/ && $1 < 256 && $2 < 256 && $3 < 256 && $4 < 256;
  return pack('C4', $1, $2, $3, $4);
}

sub prefix4 {
  my ($p) = @_;
  return () unless $p =~ m{^([0-9.]+)/(\\d{1,2})$} && $2 <= 32;
  my $b = ipv4_bytes($1);
  return defined $b ? ($b, $2) : ();
}

sub nl_can {
  my ($l) = @_;
  return 1 if $l =~ /^link set dev [A-Za-z0-9_.-]{1,15} (up|down)$/;
  return 1 if $l =~ /^link set dev [A-Za-z0-9_.-]{1,15} alias [A-Za-z0-9_.:=@%+,\\/-]{1,255}$/;
  return 1 if $l =~ m{^addr add (\\S+) dev [A-Za-z0-9_.-]{1,15}$} && prefix4($1);
  if ($l =~ m{^route (add|replace) (\\S+) via (\\S+)( dev [A-Za-z0-9_.-]{1,15})?$}) {
    my ($dst, $gw) = ($2, $3);
    return ($dst eq 'default' || prefix4($dst)) && defined ipv4_bytes($gw);
  }
  return 0;
}

sub rta {
  my ($type, $data) = @_;
  my $len = 4 + length($data);
  return pack('SS', $len, $type) . $data . ("\\0" x ((4 - $len % 4) % 4));
}

sub if_index {
  my ($name) = @_;
  unless ($IFSOCK) {
    socket($IFSOCK, 2, 2, 0) or return 0;
  }
  my $req = pack('a16 x24', $name);
  ioctl($IFSOCK, 0x8933, $req) or return 0;
  return unpack('x16 i', $req);
}

# Sends one request and reads its answer: undef when done, else what ip prints (the kernel's
# extended message as "Error: ...", or "RTNETLINK answers: " and the error's text).
sub nl_talk {
  my ($s, $type, $flags, $body) = @_;
  my $seq = ++$SEQ;
  my $req = pack('LSSLL', 16 + length($body), $type, $flags | 5, $seq, 0) . $body;
  defined(send($s, $req, 0)) or return "RTNETLINK answers: $!";
  while (1) {
    defined(recv($s, my $buf, 65536, 0)) or return "RTNETLINK answers: $!";
    my $off = 0;
    while ($off + 16 <= length($buf)) {
      my ($len, $t, $f, $got) = unpack('LSSL', substr($buf, $off, 12));
      last if $len < 16;
      if ($t == 2 && $got == $seq) {
        my $err = unpack('l', substr($buf, $off + 16, 4));
        return undef if $err == 0;
        if ($f & 0x200) {
          my $olen = unpack('L', substr($buf, $off + 20, 4));
          my $a = $off + 20 + (($f & 0x100) ? 16 : (($olen + 3) & ~3));
          while ($a + 4 <= $off + $len) {
            my ($alen, $atype) = unpack('SS', substr($buf, $a, 4));
            last if $alen < 4;
            if ($atype == 1) {
              my $m = substr($buf, $a + 4, $alen - 4);
              $m =~ s/\\0.*//s;
              return 'Error: ' . $m . ($m =~ /\\.$/ ? '' : '.') if length $m;
            }
            $a += ($alen + 3) & ~3;
          }
        }
        local $! = -$err;
        return "RTNETLINK answers: $!";
      }
      $off += ($len + 3) & ~3;
    }
  }
}

# One line nl_can accepts, in the current network namespace: undef, or what ip prints.
sub nl_line {
  my ($s, $l) = @_;
  my @w = split / /, $l;
  if ($w[0] eq 'link') {
    my $i = if_index($w[3]) or return "Cannot find device \\"$w[3]\\"";
    return nl_talk($s, 16, 0, pack('CCSiII', 0, 0, 0, $i, 0, 0) . rta(20, $w[5])) if $w[4] eq 'alias';
    my $err = nl_talk($s, 16, 0, pack('CCSiII', 0, 0, 0, $i, $w[4] eq 'up' ? 1 : 0, 1));
    # A link brought up is read back (RTM_GETLINK): the kernel then handles its pending carrier
    # event at once. Otherwise the end of a veth that comes up second may wait up to a second
    # for it when both ends have the same ifindex in their namespaces (the event is then not
    # urgent), operationally down meanwhile, with IPv6 not started on it: the first packets
    # sent to it after apply were lost. A read changes nothing; \`ip\` itself does not do it.
    read_link($s, $i) if !defined $err && $w[4] eq 'up';
    return $err;
  }
  if ($w[0] eq 'addr') {
    my ($a, $plen) = prefix4($w[2]);
    my $i = if_index($w[4]) or return "Cannot find device \\"$w[4]\\"";
    my $scope = unpack('C', $a) == 127 ? 254 : 0;
    return nl_talk($s, 20, 0x600, pack('CCCCI', 2, $plen, 0, $scope, $i) . rta(2, $a) . rta(1, $a));
  }
  # route add|replace DST via GW [dev DEV]
  my ($dst, $dlen) = $w[2] eq 'default' ? ('', 0) : prefix4($w[2]);
  my $gw = ipv4_bytes($w[4]);
  my $i = 0;
  if (@w > 5) {
    $i = if_index($w[6]) or return "Cannot find device \\"$w[6]\\"";
  }
  my $body = pack('CCCCCCCCI', 2, $dlen, 0, 0, 254, 3, 0, 1, 0) . ($dlen ? rta(1, $dst) : '') . rta(5, $gw) . ($i ? rta(4, pack('i', $i)) : '');
  return nl_talk($s, 24, $w[1] eq 'add' ? 0x600 : 0x500, $body);
}

# A batch of nl_can lines in namespace NS, in this process: (exit code, what ip -batch prints).
sub ip_batch_inline {
  my ($ns, $lines) = @_;
  my $entered = enter_netns($ns);
  return (1, "$entered\\n") if defined $entered;
  socket(my $s, 16, 3, 0) or return (1, "Cannot open netlink socket: $!\\n");
  setsockopt($s, 270, 11, pack('i', 1));
  for my $k (0 .. $#$lines) {
    my $err = nl_line($s, $lines->[$k]);
    return (1, "$err\\nCommand failed -:" . ($k + 1) . "\\n") if defined $err;
  }
  return (0, '');
}

# RTM_GETLINK of link I (the answer is not needed: see nl_line, 'link set dev X up')
sub read_link {
  my ($s, $i) = @_;
  nl_talk($s, 18, 0, pack('CCSiII', 0, 0, 0, $i, 0, 0));
}

# After \`ip -batch\` brought links up in namespace NS: each is read back (see nl_line), here,
# since ip does not. Nothing to report: a read changes nothing.
sub read_back_up {
  my ($ns, $lines) = @_;
  my @up = map { m{^link set dev ([A-Za-z0-9_.-]{1,15}) up$} ? ($1) : () } @$lines;
  return unless @up && !defined enter_netns($ns);
  socket(my $s, 16, 3, 0) or return;
  for my $name (@up) {
    my $i = if_index($name) or next;
    read_link($s, $i);
  }
}

sub ip_batches {
  my ($par) = @_;
  $par = 4 unless defined $par && $par =~ /^[1-9][0-9]?$/;
  local $SIG{PIPE} = 'IGNORE';
  my @jobs;
  while (my $l = <STDIN>) {
    chomp $l;
    next if $l eq '';
    my ($ns, @lines) = split /\t/, $l, -1;
    push @jobs, [$ns, \\@lines];
  }
  my $kill_at = $ENV{NSLAB_NSCTL_KILL_AT};
  my $inline = ($ENV{NSLAB_NSCTL_NETLINK} // '1') ne '0';
  require IO::Select;
  my $sel = IO::Select->new();
  my %run;
  my $next = 0;
  while ($next < @jobs || $sel->count) {
    while ($next < @jobs && $sel->count < $par) {
      my $i = $next++;
      if (defined $kill_at && $i == $kill_at) {
        kill('KILL', getppid());
        sleep(10);
        exit(9);
      }
      my ($ns, $lines) = @{$jobs[$i]};
      if ($inline && @$lines && !grep { !nl_can($_) } @$lines) {
        my ($code, $text) = ip_batch_inline($ns, $lines);
        print "$i\t$code\t" . unpack('H*', $text) . "\n";
        next;
      }
      my ($pid, $err) = ip_batch_start($ns, $lines);
      if (!defined $pid) {
        print "$i\t1\t" . unpack('H*', "$err\n") . "\n";
        next;
      }
      $run{fileno($err)} = [$i, $pid, ''];
      $sel->add($err);
    }
    for my $fh ($sel->can_read) {
      my $job = $run{fileno($fh)};
      my $n = sysread($fh, my $chunk, 65536);
      if ($n) {
        $job->[2] .= $chunk;
        next;
      }
      $sel->remove($fh);
      delete $run{fileno($fh)};
      close $fh;
      waitpid($job->[1], 0);
      my $code = $? & 127 ? 128 + ($? & 127) : $? >> 8;
      read_back_up(@{$jobs[$job->[0]]}) if $code == 0;
      print "$job->[0]\t$code\t" . unpack('H*', $job->[2]) . "\n";
    }
  }
  exit 0;
}

# The queueing disciplines (RTM_GETQDISC, tcmsg) of the current network namespace, as "Q" lines:
# netem on links (lib/netem.ts), decoded like \`tc -j qdisc show\` prints them.
sub qdisc_dump {
  my ($ns) = @_;
  return nl_dump($ns, 'Q', 38, pack('CCSiIII', 0, 0, 0, 0, 0, 0, 0));
}

my $mode = shift(@ARGV) // '';
if ($mode eq 'ip') {
  ip_batches($ARGV[0]);
}
if ($mode eq 'dump') {
  # '' is the namespace this program started in
  sysopen(my $own, '/proc/self/ns/net', $O_RDONLY) or die "nslab-nsctl: /proc/self/ns/net: $!\\n";
  for my $ns (@ARGV) {
    my $fh;
    $fh = $own if $ns eq '';
    unless (($ns eq '' || sysopen($fh, "${NETNS_DIR}/$ns", $O_RDONLY)) && syscall($SYS_setns, fileno($fh), $CLONE_NEWNET) == 0) {
      print "$ns\\tmissing\\n";
      next;
    }
    # links (ifinfomsg, with IFLA_EXT_MASK = 0), IPv4 addresses (ifaddrmsg), IPv4 routes (rtmsg), then IPv6's
    my $err = nl_dump($ns, 'L', 18, pack('CCSiII', 0, 0, 0, 0, 0, 0))
      // nl_dump($ns, 'A', 22, pack('CCCCI', 2, 0, 0, 0, 0))
      // nl_dump($ns, 'R', 26, pack('CCCCCCCCI', 2, 0, 0, 0, 0, 0, 0, 0, 0))
      // dump_inet6($ns);
    if (defined $err) {
      print "$ns\\terror\\t$err\\n";
      next;
    }
    print "$ns\\tF\\t" . ip_forward() . "\\n";
    # a kernel without traffic control (no CONFIG_NET_SCHED: EOPNOTSUPP) has no qdiscs to read
    my $qerr = qdisc_dump($ns);
    print "$ns\\terror\\t$qerr\\n" if defined $qerr && $qerr ne 'netlink error 95';
  }
  exit 0;
}
if ($mode eq 'counters') {
  # each interface's packet and byte counters (/proc/net/dev: the numbers \`ip -s link\` shows)
  sysopen(my $own, '/proc/self/ns/net', $O_RDONLY) or die "nslab-nsctl: /proc/self/ns/net: $!\\n";
  for my $ns (@ARGV) {
    unless ($ns eq '' ? syscall($SYS_setns, fileno($own), $CLONE_NEWNET) == 0 : !defined enter_netns($ns)) {
      print "$ns\\tmissing\\n";
      next;
    }
    unless (open(my $dev, '<', '/proc/self/net/dev')) {
      print "$ns\\terror\\t/proc/self/net/dev: $!\\n";
    } else {
      print "$ns\\tok\\n";
      # "  NAME: rx bytes packets errs drop fifo frame compressed multicast tx bytes packets ..."
      while (my $l = <$dev>) {
        next unless $l =~ /^\\s*([^:\\s]+):\\s*(\\d+)\\s+(\\d+)(?:\\s+\\d+){6}\\s+(\\d+)\\s+(\\d+)/;
        print " $1\\t$3\\t$5\\t$2\\t$4\\n";
      }
    }
  }
  exit 0;
}
if ($mode eq 'run') {
  my $i = -1;
  # crash tests (NSLAB_FAULT=N:line:K): nslab is killed just before line K runs; this process
  # dies with it (its parent death signal)
  my $kill_at = $ENV{NSLAB_NSCTL_KILL_AT};
  while (my $line = <STDIN>) {
    chomp $line;
    $i++;
    if (defined $kill_at && $i == $kill_at) {
      kill('KILL', getppid());
      sleep(10);
      exit(9);
    }
    my ($flag, @a) = split /\\t/, $line, -1;
    my $err = run_line($flag eq 'm', @a);
    if (defined $err) {
      $err =~ s/\\n/ /g;
      print "err $i $err\\n";
      exit 3;
    }
    print "ok $i\\n";
  }
  exit 0;
}
# The id (RTM_GETNSID with the namespace's file) this network namespace gives another: -1 when it
# has none, -2 when the kernel says no.
sub nsid_of {
  my ($s, $fd) = @_;
  my $seq = ++$SEQ;
  my $body = pack('Cx3', 0) . rta(3, pack('L', $fd));
  defined(send($s, pack('LSSLL', 16 + length($body), 90, 1, $seq, 0) . $body, 0)) or return -2;
  while (1) {
    defined(recv($s, my $buf, 65536, 0)) or return -2;
    my $off = 0;
    while ($off + 16 <= length($buf)) {
      my ($len, $t, $f, $got) = unpack('LSSL', substr($buf, $off, 12));
      return -2 if $len < 16;
      if ($got == $seq) {
        return -2 if $t != 88;
        my $a = $off + 20;
        while ($a + 4 <= $off + $len) {
          my ($alen, $atype) = unpack('SS', substr($buf, $a, 4));
          last if $alen < 4;
          return unpack('l', substr($buf, $a + 4, 4)) if $atype == 1;
          $a += ($alen + 3) & ~3;
        }
        return -2;
      }
      $off += ($len + 3) & ~3;
    }
  }
}

if ($mode eq 'nsids') {
  socket(my $s, 16, 3, 0) or die "nslab-nsctl: socket: $!\n";
  for my $arg (@ARGV) {
    my ($assign, $ns) = $arg =~ /^([+]?)(.*)$/s;
    next unless $ns =~ /^[A-Za-z0-9][A-Za-z0-9_.-]{0,254}$/;
    sysopen(my $fh, "${NETNS_DIR}/$ns", $O_RDONLY) or next;
    my $id = nsid_of($s, fileno($fh));
    if ($id == -1 && $assign) {
      # RTM_NEWNSID with NETNSA_FD and NETNSA_NSID -1: the kernel picks the id
      my $body = pack('Cx3', 0) . rta(3, pack('L', fileno($fh))) . rta(1, pack('l', -1));
      nl_talk($s, 88, 0x400, $body);
      $id = nsid_of($s, fileno($fh));
    }
    print "$ns\t$id\n" if $id >= 0;
  }
  exit 0;
}
if ($mode eq 'marks') {
  for my $ns (@ARGV) {
    my $path = "${NETNS_DIR}/$ns";
    unless (sysopen(my $fh, $path, $O_RDONLY)) {
      print "$ns\\tmissing\\n";
      next;
    } else {
      if (syscall($SYS_setns, fileno($fh), $CLONE_NEWNET) != 0) {
        print "$ns\\tmissing\\n";
        next;
      }
    }
    my ($alias, $err) = lo_alias();
    if (defined $err) {
      print "$ns\\terror\\t$err\\n";
      next;
    }
    print "$ns\\tok\\t" . unpack('H*', $alias) . "\\t" . ip_forward() . "\\t" . ip6_forward() . "\\n";
  }
  exit 0;
}
print STDERR "usage: nslab-nsctl run | marks NS... | dump NS... | counters NS... | nsids [+]NS... | ip PARALLEL\\n";
exit 2;
`;
}

const NETNS_PREFIX = `${NETNS_DIR}/`;
const USERNS_PREFIX = `${USERNS_DIR}/`;

/** A file right in one of nslab's namespace folders (/run/netns/NAME, /run/nslab/userns/NAME), NAME not starting with a dot. */
function underNsDirs(p: string | undefined): boolean {
  if (p === undefined) return false;
  const at = p.startsWith(NETNS_PREFIX) ? NETNS_PREFIX.length : p.startsWith(USERNS_PREFIX) ? USERNS_PREFIX.length : -1;
  return at > 0 && p.charCodeAt(at) !== 0x2e && p.indexOf('/', at) === -1;
}

const UNSAFE = /[\t\n\r]/;
const DD_OPERAND = /^(if|of|conv|status)=/;
const NO_DAD_KV = /^net\.ipv6\.conf\.(all|default)\.accept_dad=[0-2]$/;
const ID_MAP = /^\d+,\d+,\d+$/;

/**
 * Whether nslab-nsctl runs this command exactly as its shell line would: the four shapes of
 * lib/ops.ts (dd, umount, rm, env … unshare … true) on files under /run/netns and the user
 * namespace folder, without tabs or newlines. (Checked for every line of a batch before it runs,
 * a thousand for 200 namespaces: plain loops, no closures.)
 */
export function nsctlCan(cmd: Command): boolean {
  if (cmd.tool === 'ip') return nsctlDeletes(cmd) !== null;
  if (cmd.tool !== 'nsfile') return false;
  const a = cmd.argv;
  for (let i = 0; i < a.length; i++) if (UNSAFE.test(a[i]!)) return false;
  switch (a[0]) {
    case 'dd': {
      if (a.length < 4 || a[1] !== 'if=/dev/null') return false;
      let of: string | undefined;
      for (let i = 1; i < a.length; i++) {
        const x = a[i]!;
        if (!DD_OPERAND.test(x)) return false;
        if (of === undefined && x.startsWith('of=')) of = x.slice(3);
      }
      return underNsDirs(of);
    }
    case 'umount':
      return a.length === 2 && underNsDirs(a[1]);
    case 'rm':
      return a.length === 3 && a[1] === '-f' && underNsDirs(a[2]);
    case 'ip': {
      // ip netns exec NS sysctl -q -e -w KEY=VALUE... (lib/ops.ts NO_DAD_KEYS)
      if (!(a.length > 8 && a[1] === 'netns' && a[2] === 'exec' && underNsDirs(NETNS_PREFIX + a[3]) && a[4] === 'sysctl' && a[5] === '-q' && a[6] === '-e' && a[7] === '-w')) return false;
      for (let i = 8; i < a.length; i++) if (!NO_DAD_KV.test(a[i]!)) return false;
      return true;
    }
    case 'env': {
      if (a[2] !== 'unshare' || a[a.length - 1] !== 'true') return false;
      // the first --user=, --net=, --map-users=, --map-groups= (as the shell's unshare reads them)
      let user: string | undefined, net: string | undefined, users: string | undefined, groups: string | undefined;
      for (let i = 1; i < a.length; i++) {
        const x = a[i]!;
        if (!x.startsWith('--')) continue;
        if (user === undefined && x.startsWith('--user=')) user = x.slice(7);
        else if (net === undefined && x.startsWith('--net=')) net = x.slice(6);
        else if (users === undefined && x.startsWith('--map-users=')) users = x.slice(12);
        else if (groups === undefined && x.startsWith('--map-groups=')) groups = x.slice(13);
      }
      return underNsDirs(user) && underNsDirs(net) && users !== undefined && ID_MAP.test(users) && groups !== undefined && ID_MAP.test(groups);
    }
    default:
      return false;
  }
}

/**
 * The namespace an `ip netns del NAME` of this machine's own namespace deletes, which
 * nslab-nsctl does as ip does (unmount /run/netns/NAME, lazily, and remove it); else null.
 */
export function nsctlDeletes(cmd: Command): string | null {
  const name = cmd.ns === '' && cmd.tool === 'ip' && cmd.args.length === 3 ? deletesNetns(cmd) : null;
  return name !== null && /^[A-Za-z0-9][A-Za-z0-9_.-]{0,254}$/.test(name) ? name : null;
}

/** One stdin line of `nslab-nsctl run` for a command nsctlCan accepts. */
export function nsctlLine(cmd: Command): string {
  return cmd.tool === 'nsfile' ? [cmd.ifMounted ? 'm' : '-', ...cmd.argv].join('\t') : ['-', cmd.tool, ...cmd.args].join('\t');
}

export interface NsctlOutcome {
  /** lines that ran without error */
  ran: number;
  /** index of the line that failed, null when all ran */
  failedAt: number | null;
  message: string;
}

/** Reads `nslab-nsctl run`'s answer (stdout, exit code) for `count` lines. */
export function parseNsctlRun(stdout: string, exitCode: number, count: number, stderr = ''): NsctlOutcome {
  let ran = 0;
  for (const line of stdout.split('\n')) {
    const ok = /^ok (\d+)$/.exec(line);
    if (ok) {
      ran = Number(ok[1]) + 1;
      continue;
    }
    const err = /^err (\d+) (.*)$/.exec(line);
    if (err) return { ran: Number(err[1]), failedAt: Number(err[1]), message: err[2] ?? '' };
  }
  if (exitCode === 0 && ran === count) return { ran, failedAt: null, message: '' };
  // it ended without naming a line (killed, or perl failed): the next line did not finish
  return { ran, failedAt: Math.min(ran, count - 1), message: stderr.trim() || `nslab-nsctl ended with exit code ${exitCode}` };
}

export interface NsMarks {
  /** the namespace's `lo` alias ('' when none) */
  mark: string;
  forwarding: boolean | null;
  /** net.ipv6.conf.all.forwarding (null when unreadable) */
  forwarding6: boolean | null;
}

const bit = (v: string | undefined) => (v === '1' ? true : v === '0' ? false : null);

/** Reads `nslab-nsctl marks`'s answer: the namespaces that exist, with their marks. */
export function parseNsctlMarks(stdout: string): Map<string, NsMarks | { error: string }> {
  const out = new Map<string, NsMarks | { error: string }>();
  for (const line of stdout.split('\n')) {
    const [ns, status, a, b, c] = line.split('\t');
    if (!ns || !status || status === 'missing') continue;
    if (status === 'ok') out.set(ns, { mark: Buffer.from(a ?? '', 'hex').toString('utf8'), forwarding: bit(b), forwarding6: bit(c) });
    else out.set(ns, { error: a ?? status });
  }
  return out;
}

/**
 * Reads `nslab-nsctl counters`'s answer: namespace -> (interface -> its counters). A namespace
 * that is gone is left out; one whose counters could not be read is an error naming it.
 */
export function parseNsctlCounters(stdout: string): Map<string, Map<string, Counters>> {
  const out = new Map<string, Map<string, Counters>>();
  let current: Map<string, Counters> | null = null;
  for (const line of stdout.split('\n')) {
    if (line.charCodeAt(0) === 32) {
      const [name, rxPackets, txPackets, rxBytes, txBytes] = line.slice(1).split('\t');
      if (current && name) current.set(name, { rxPackets: Number(rxPackets), txPackets: Number(txPackets), rxBytes: Number(rxBytes), txBytes: Number(txBytes) });
      continue;
    }
    const [ns, status, why] = line.split('\t');
    current = null;
    if (ns === undefined || status === undefined || status === 'missing') continue;
    if (status !== 'ok') throw new Error(`nslab-nsctl counters: reading ${ns ? `namespace ${ns}` : "this machine's own namespace"} failed: ${why ?? status}`);
    out.set(ns, (current = new Map()));
  }
  return out;
}

/** Reads `nslab-nsctl nsids`'s answer: namespace name -> the id this namespace gives it. */
export function parseNsctlNsids(stdout: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of stdout.split('\n')) {
    const m = /^([A-Za-z0-9][A-Za-z0-9_.-]*)\t(\d+)$/.exec(line);
    if (m) out.set(m[1]!, Number(m[2]));
  }
  return out;
}

/** What each batch of `nslab-nsctl ip` did, by its line on stdin: exit code and ip's stderr. */
export function parseNsctlIp(stdout: string): Map<number, { exitCode: number; stderr: string }> {
  const out = new Map<number, { exitCode: number; stderr: string }>();
  for (const line of stdout.split('\n')) {
    const a = parseNsctlIpLine(line);
    if (a) out.set(a.index, { exitCode: a.exitCode, stderr: a.stderr });
  }
  return out;
}

/** One answer line of `nslab-nsctl ip` ("I<TAB>EXIT<TAB>HEX(stderr)"), or null. */
export function parseNsctlIpLine(line: string): { index: number; exitCode: number; stderr: string } | null {
  const m = /^(\d+)\t(\d+)\t([0-9a-f]*)$/.exec(line);
  return m ? { index: Number(m[1]), exitCode: Number(m[2]), stderr: Buffer.from(m[3] ?? '', 'hex').toString('utf8') } : null;
}
