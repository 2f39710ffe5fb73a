import { UpcomingPage } from '../../app/Upcoming';

export function GeneratePage() {
  return <UpcomingPage section="generate" icon="generate" nextHref="/people" />;
}
