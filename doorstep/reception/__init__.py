"""Leaders' reception days (领导干部下访接待, 浦江经验): a fixed day announced ahead, open or by
appointment (booked through the desks' machinery), the matters residents raise there registered
as needs owned by the receiving leader (包案), assigned to a department with a deadline (交办),
chased when late (督办), concluded and called back; the leader's brief before the day and the
anonymised public board after it."""
