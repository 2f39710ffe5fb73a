import { UpcomingPage } from '../../app/Upcoming';

export function ReelsPage() {
  return <UpcomingPage section="reels" icon="reels" nextHref="/review" />;
}
