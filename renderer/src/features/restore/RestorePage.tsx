import { UpcomingPage } from '../../app/Upcoming';

export function RestorePage() {
  return <UpcomingPage section="restore" icon="restore" nextHref="/review" />;
}
