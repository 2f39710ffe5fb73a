import { UpcomingPage } from '../../app/Upcoming';

export function ModelsPage() {
  return <UpcomingPage section="models" icon="models" nextHref="/review" />;
}
