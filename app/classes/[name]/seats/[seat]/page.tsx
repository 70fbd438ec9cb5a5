import { FollowSeat } from '@/components/classes/follow-seat';

export default async function Page({ params }: { params: Promise<{ name: string; seat: string }> }) {
  const { name, seat } = await params;
  return <FollowSeat name={decodeURIComponent(name)} seat={Number(seat)} />;
}
