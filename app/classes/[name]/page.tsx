import { ClassRoomPage } from '@/components/classes/class-room';

export default async function Page({ params }: { params: Promise<{ name: string }> }) {
  const { name } = await params;
  return <ClassRoomPage name={decodeURIComponent(name)} />;
}
